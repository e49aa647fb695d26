using System.Net;

namespace Iau.Interactive;

/// <summary>HTML escaping for the formatters.</summary>
internal static class HtmlText
{
    /// <summary>HTML-escapes text (null as empty).</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);
}
