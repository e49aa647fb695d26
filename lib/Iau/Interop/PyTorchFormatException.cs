namespace Iau.Interop;

/// <summary>
/// A PyTorch file cannot be used: it is not a <c>state_dict</c> written by <c>torch.save</c>, its pickle refers to
/// something other than tensors and plain containers, or its tensors do not fit the model. The message names the
/// file and, where one is at fault, the key (with both shapes or element types).
/// </summary>
public sealed class PyTorchFormatException : Exception
{
    /// <summary>Creates the exception; the message is "<paramref name="file"/>: <paramref name="problem"/>".</summary>
    public PyTorchFormatException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The PyTorch file.</summary>
    public string File { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
