using System.Diagnostics;
using System.Globalization;

namespace Iau.Runtime;

/// <summary>
/// Temporary files of atomic writes (write a temporary beside the target, then rename it over the target).
/// A temporary is named <c>.&lt;target name&gt;.&lt;pid&gt;-&lt;guid&gt;.tmp</c>, so one left behind by a killed
/// process (kill -9, power loss) is recognised and removed by the next write of the same target.
/// </summary>
internal static class TempFiles
{
    /// <summary>Temporaries of the kit before they carried a process id (".name.guid.tmp") are removed once this old.</summary>
    private static readonly TimeSpan UnownedAge = TimeSpan.FromMinutes(10);

    /// <summary>A fresh temporary path beside <paramref name="target"/> (a full path).</summary>
    public static string For(string target) =>
        Path.Combine(Path.GetDirectoryName(target) ?? ".", $".{Path.GetFileName(target)}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> atomically: to a temporary beside it (after removing
    /// stale temporaries of the same target), then renamed over it, so a reader or a crash never sees half a file.
    /// </summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full) ?? ".");
        CleanStale(full);
        var tmp = For(full);
        try
        {
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            TryDelete(tmp);
        }
    }

    /// <summary>Writes UTF-8 text (no byte-order mark) atomically (see <see cref="WriteAllBytes"/>).</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, new System.Text.UTF8Encoding(false).GetBytes(text));

    /// <summary>
    /// Deletes temporaries of <paramref name="target"/> whose writer is no longer running (and, for the older
    /// unnamed kind, that are older than ten minutes). Never throws; returns how many were removed.
    /// </summary>
    public static int CleanStale(string target)
    {
        var folder = Path.GetDirectoryName(target);
        if (folder is null || !Directory.Exists(folder))
        {
            return 0;
        }

        var prefix = $".{Path.GetFileName(target)}.";
        var removed = 0;
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder, prefix + "*.tmp"))
            {
                var middle = Path.GetFileName(file)[prefix.Length..^".tmp".Length];
                var dash = middle.IndexOf('-', StringComparison.Ordinal);
                var stale = dash > 0 && int.TryParse(middle[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    ? pid != Environment.ProcessId && !IsRunning(pid)
                    : middle.Length == 32 && DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > UnownedAge;
                if (stale && TryDelete(file))
                {
                    removed++;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Cleaning is a courtesy: a folder that cannot be listed fails the write itself, with its own message.
        }

        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
