using System.Runtime.InteropServices;

namespace Iau.Runtime;

/// <summary>
/// glibc malloc settings for libtorch's allocation pattern, set once per process by <see cref="IauRuntime.Initialize"/>
/// (issue 26). With glibc's defaults the mmap threshold is dynamic and every thread's arena is trimmed when its free
/// top exceeds twice that threshold, so the pool's worker threads, each allocating and freeing a training step's
/// tensors, kept mapping, faulting in and returning the same memory: on 2 cores (AMD EPYC, 2026-12-07, <c>iau bench
/// train --pool-only --samples 25600</c>) two LeNet5 models side by side trained 5,932 samples/s against 16,445 for one
/// model on both threads (0.36×), with 3.9 million page faults and 25 s of system time in a 49 s run. With a fixed
/// mmap threshold of 32 MiB (glibc's largest), a trim threshold of 1 GiB and a top pad of 256 MiB, the same run gave
/// 20,794–25,061 samples/s side by side (1.42–1.51×), 0.35 million page faults and 2.8 s of system time
/// (environment.md). The cost: memory freed by the kit is kept for reuse instead of being returned to the system
/// (up to the trim threshold per arena). A process whose environment sets glibc's malloc tunables itself
/// (<c>GLIBC_TUNABLES</c> or <c>MALLOC_*_</c>) keeps them.
/// </summary>
internal static class MallocTuning
{
    /// <summary>Allocations of at least this size are mapped on their own (glibc's largest allowed value on 64-bit).</summary>
    internal const int MmapThreshold = 32 << 20;

    /// <summary>Free memory at the top of an arena is returned to the system only above this.</summary>
    internal const int TrimThreshold = 1 << 30;

    /// <summary>Extra memory asked for whenever an arena grows.</summary>
    internal const int TopPad = 256 << 20;

    private const int MTrimThreshold = -1;
    private const int MTopPad = -2;
    private const int MMmapThreshold = -3;

    private static readonly Lazy<string> Outcome = new(ApplyOnce);

    /// <summary>
    /// What was done, one line: "set: …" with the values, which settings glibc refused, or why nothing was set (not
    /// Linux, settings from the environment, no glibc). <see cref="RuntimeInfo.Malloc"/> carries it.
    /// </summary>
    internal static string Apply() => Outcome.Value;

    private static string ApplyOnce()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux: malloc left as it is";
        }

        var own = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .FirstOrDefault(k => k == "GLIBC_TUNABLES" || (k.StartsWith("MALLOC_", StringComparison.Ordinal) && k.EndsWith('_')));
        if (own is not null)
        {
            return $"malloc left to the environment's {own}";
        }

        try
        {
            (string Name, int Param, int Value)[] settings =
            [
                ("M_MMAP_THRESHOLD", MMmapThreshold, MmapThreshold),
                ("M_TRIM_THRESHOLD", MTrimThreshold, TrimThreshold),
                ("M_TOP_PAD", MTopPad, TopPad),
            ];
            var refused = settings.Where(x => NativeMethods.mallopt(x.Param, x.Value) != 1).Select(x => x.Name).ToList();
            return refused.Count switch
            {
                0 => $"set: mmap threshold {MmapThreshold >> 20} MiB, trim threshold {TrimThreshold >> 20} MiB, top pad {TopPad >> 20} MiB",
                3 => "glibc refused every malloc setting: malloc left as it is",
                _ => $"glibc refused {string.Join(" and ", refused)}; the other malloc settings are set",
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "no glibc mallopt (another C library): malloc left as it is";
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc.so.6", EntryPoint = "mallopt")]
        internal static extern int mallopt(int param, int value);
    }
}
