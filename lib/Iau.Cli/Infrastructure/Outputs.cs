namespace Iau.Cli;

/// <summary>
/// Checks, before any work, that an output can be written where the user asked, and that it does not
/// replace an input. Errors are one line naming the path and the option (exit code 1).
/// </summary>
internal static class Outputs
{
    /// <summary>A file output: not a folder, its folder exists or can be made, and is writable.</summary>
    /// <exception cref="IOException">It cannot be written.</exception>
    public static void CheckFile(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new UsageException($"{option}: give a file name.");
        }

        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new IOException($"{path} ({option}) is a folder; give a file name.");
        }

        CheckWritableFolder(Path.GetDirectoryName(full) ?? ".", path, option);
    }

    /// <summary>A folder output: not a file, and it (or the folder it will be made in) is writable.</summary>
    /// <exception cref="IOException">It cannot be written.</exception>
    public static void CheckFolder(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new UsageException($"{option}: give a folder.");
        }

        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            throw new IOException($"{path} ({option}) is a file; give a folder.");
        }

        CheckWritableFolder(full, path, option);
    }

    /// <summary>Refuses an output that is one of the inputs (or a file written beside an input, such as its split).</summary>
    /// <exception cref="UsageException">The output would replace an input.</exception>
    public static void NotInput(string output, string option, IEnumerable<(string Path, string What)> inputs)
    {
        var target = Normalise(output);
        foreach (var (input, what) in inputs)
        {
            if (string.Equals(target, Normalise(input), StringComparison.Ordinal))
            {
                throw new UsageException($"{option} {output} would overwrite {what} {input}; write to another file.");
            }
        }
    }

    private static string Normalise(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            // Resolve a symbolic link to the file it points at, so a link to the input is refused too.
            var info = new FileInfo(full);
            return info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full : full;
        }
        catch (IOException)
        {
            return full;
        }
    }

    private static void CheckWritableFolder(string folder, string shown, string option)
    {
        // The nearest folder that exists: outputs create their missing folders, so that one must be writable.
        var existing = folder;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                throw new IOException($"{shown} ({option}): {existing} is a file, not a folder.");
            }

            existing = Path.GetDirectoryName(existing) ?? throw new IOException($"{shown} ({option}): no folder of it exists.");
        }

        var probe = Path.Combine(existing, $".iau-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{shown} ({option}): cannot write in {existing}: {e.Message}", e);
        }
    }
}
