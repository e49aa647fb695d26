namespace Iau.Runtime;

/// <summary>The kit's runtime (TorchSharp natives, device, threads) could not be set up; the message says why and what to do.</summary>
public sealed class IauRuntimeException : Exception
{
    public IauRuntimeException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
