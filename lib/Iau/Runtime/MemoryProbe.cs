namespace Iau.Runtime;

/// <summary>
/// Resident memory of this process as Linux reports it (/proc/self/status): current (VmRSS) and peak
/// (VmHWM). Covers native libtorch allocations too, which the .NET GC does not see. The peak can be reset
/// (writing 5 to /proc/self/clear_refs) so that a phase's own peak is measured.
/// </summary>
public static class MemoryProbe
{
    /// <summary>Whether the probe works here (Linux with /proc).</summary>
    public static bool Available => File.Exists("/proc/self/status");

    /// <summary>Current resident set size in bytes (0 when unavailable).</summary>
    public static long CurrentBytes() => Read("VmRSS:");

    /// <summary>Peak resident set size in bytes since start or the last <see cref="ResetPeak"/> (0 when unavailable).</summary>
    public static long PeakBytes() => Read("VmHWM:");

    /// <summary>Resets the peak to the current size; returns false where the kernel does not allow it.</summary>
    public static bool ResetPeak()
    {
        try
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long Read(string key)
    {
        if (!Available)
        {
            return 0;
        }

        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var parts = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
