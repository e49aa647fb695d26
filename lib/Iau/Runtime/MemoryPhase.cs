using System.Globalization;

namespace Iau.Runtime;

/// <summary>
/// The resident memory of one phase of work, measured honestly: at the start the GC runs and the kernel's peak
/// (VmHWM) is reset where allowed, and the baseline is the resident size read right after; during the phase a
/// sampler thread reads the resident size every few milliseconds. The peak is the larger of the sampled maximum and
/// (when the reset worked) VmHWM, and never below the baseline, so "peak above baseline" is never negative; a
/// resident-size difference taken across a GC (what the kit printed before, −59.78 MiB) can be.
/// </summary>
public sealed class MemoryPhase : IDisposable
{
    private readonly Thread sampler;
    private readonly bool resetWorked;
    private long sampledMax;
    private volatile bool stopping;
    private MemoryPhaseResult? result;

    private MemoryPhase(TimeSpan interval)
    {
        resetWorked = MemoryProbe.ResetPeak(); // GC first, then the kernel's peak
        Baseline = MemoryProbe.CurrentBytes();
        sampledMax = Baseline;
        sampler = new Thread(() =>
        {
            while (!stopping)
            {
                Sample();
                Thread.Sleep(interval);
            }
        })
        {
            IsBackground = true,
            Name = "iau-memory-sampler",
        };
        sampler.Start();
    }

    /// <summary>Resident bytes at the start (after the GC).</summary>
    public long Baseline { get; }

    /// <summary>Starts measuring (null where /proc/self/status is not available: no honest number can be given).</summary>
    public static MemoryPhase? Start(TimeSpan? interval = null) =>
        MemoryProbe.Available ? new MemoryPhase(interval ?? TimeSpan.FromMilliseconds(5)) : null;

    /// <summary>Stops the sampler and returns the phase's peak (the same result when called again).</summary>
    public MemoryPhaseResult Stop()
    {
        if (result is not null)
        {
            return result;
        }

        stopping = true;
        sampler.Join();
        Sample();
        var peak = Math.Max(Interlocked.Read(ref sampledMax), resetWorked ? MemoryProbe.PeakBytes() : 0);
        result = new MemoryPhaseResult(Baseline, Math.Max(peak, Baseline),
            resetWorked ? "VmHWM reset at the start, and VmRSS sampled every 5 ms" : "VmRSS sampled every 5 ms (VmHWM could not be reset here)");
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => Stop();

    private void Sample()
    {
        var now = MemoryProbe.CurrentBytes();
        long seen;
        while (now > (seen = Interlocked.Read(ref sampledMax)) && Interlocked.CompareExchange(ref sampledMax, now, seen) != seen)
        {
        }
    }
}

/// <summary>What a <see cref="MemoryPhase"/> measured.</summary>
/// <param name="BaselineBytes">Resident bytes at the start, after a GC.</param>
/// <param name="PeakBytes">Highest resident bytes during the phase (≥ the baseline).</param>
/// <param name="How">How the peak was taken, for notes.</param>
public sealed record MemoryPhaseResult(long BaselineBytes, long PeakBytes, string How)
{
    /// <summary>Peak above the baseline, MiB (never negative).</summary>
    public double AboveBaselineMiB => (PeakBytes - BaselineBytes) / (1024.0 * 1024.0);

    /// <summary>The peak, MiB.</summary>
    public double PeakMiB => PeakBytes / (1024.0 * 1024.0);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"peak {PeakMiB:F1} MiB, {AboveBaselineMiB:F1} MiB above the baseline ({How})");
}
