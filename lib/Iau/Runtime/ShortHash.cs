using System.Security.Cryptography;
using System.Text;

namespace Iau.Runtime;

/// <summary>The kit's one short content hash: cache keys, file names of cached models, signatures.</summary>
internal static class ShortHash
{
    /// <summary>The first 16 hex digits (lower case) of the SHA-256 of <paramref name="text"/>'s UTF-8 bytes.</summary>
    internal static string Of(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
