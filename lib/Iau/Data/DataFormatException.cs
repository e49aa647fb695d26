namespace Iau.Data;

/// <summary>
/// A dataset file is missing, truncated, corrupt or inconsistent. The message always names the file
/// and what is wrong with it.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The file (path or archive member) the problem was found in.</summary>
    public string File { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
