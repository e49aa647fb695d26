namespace Iau.Training;

/// <summary>A checkpoint file is missing, truncated, corrupt or of the wrong kind; the message names the file.</summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The checkpoint file.</summary>
    public string File { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}

/// <summary>One field in which a checkpoint differs from what the caller expects.</summary>
/// <param name="Field">Field name, e.g. "model", "inputShape", "dataset", "options.GrAlpha".</param>
/// <param name="Expected">The expected value, as text.</param>
/// <param name="Found">The value in the checkpoint, as text.</param>
public sealed record CheckpointDifference(string Field, string Expected, string Found)
{
    /// <inheritdoc />
    public override string ToString()
    {
        return $"{Field}: expected {Expected}, found {Found}";
    }
}

/// <summary>
/// A checkpoint is readable but was written for another architecture, dataset, split or training recipe.
/// <see cref="Differences"/> lists every differing field; the message lists them too.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    public CheckpointMismatchException(string file, IReadOnlyList<CheckpointDifference> differences)
        : base($"{file}: checkpoint does not match what was expected: {string.Join("; ", differences)}.")
    {
        File = file;
        Differences = differences;
    }

    /// <summary>The checkpoint file.</summary>
    public string File { get; }

    /// <summary>The differing fields.</summary>
    public IReadOnlyList<CheckpointDifference> Differences { get; }
}
