namespace Iau.Data;

/// <summary>A dataset's files are nowhere the kit looks and could not be downloaded; the message says where to put which files.</summary>
public sealed class DatasetNotFoundException : Exception
{
    public DatasetNotFoundException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
