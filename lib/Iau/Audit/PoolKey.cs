namespace Iau.Audit;

/// <summary>Hash keys of pool models: SHA-256 (16 hex chars) of the parts that determine them.</summary>
public static class PoolKey
{
    /// <summary>The key of the given parts, joined with a separator that cannot occur in them.</summary>
    public static string Of(params string[] parts) => Runtime.ShortHash.Of(string.Join('\u001f', parts));
}
