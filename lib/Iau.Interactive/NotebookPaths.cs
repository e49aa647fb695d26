namespace Iau.Interactive;

/// <summary>Where a notebook finds the repository, whatever folder its kernel was started in.</summary>
public static class NotebookPaths
{
    /// <summary>The file that marks the repository root.</summary>
    public const string Marker = "Iau.Research.sln";

    /// <summary>
    /// The repository root: the environment variable IAU_REPO when set, else the nearest folder at or above the
    /// working directory that holds <see cref="Marker"/>. Jupyter and VS Code start the kernel in the notebook's
    /// folder (notebooks/), <c>dotnet repl</c> in the folder it was called from; both lie inside the repository.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No such folder (the message says what to do).</exception>
    public static string RepositoryRoot(string? start = null)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("IAU_REPO");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        for (var dir = new DirectoryInfo(Path.GetFullPath(start ?? Environment.CurrentDirectory)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, Marker)))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException(
            $"no {Marker} at or above {start ?? Environment.CurrentDirectory}: start the kernel inside the repository or set IAU_REPO");
    }
}
