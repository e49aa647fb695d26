using System.Runtime.CompilerServices;

namespace Iau.Tests;

/// <summary>
/// Points the kit's timing log (<c>IAU_TIMINGS</c>, inherited by the <c>iau</c> processes the tests start) at a file of
/// this test run, so that the tests' tiny cells never enter the user's log (~/.cache/iau/timings.jsonl), from which
/// <c>iau reproduce</c> orders and estimates real runs.
/// </summary>
internal static class TimingLog
{
#pragma warning disable CA2255 // A test assembly's own setting, made before any test runs.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Isolate()
    {
        var path = Path.Combine(Path.GetTempPath(), $"iau-test-timings-{Environment.ProcessId}.jsonl");
        Environment.SetEnvironmentVariable("IAU_TIMINGS", path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
    }
}
