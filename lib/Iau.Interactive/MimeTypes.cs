namespace Iau.Interactive;

/// <summary>The MIME types the kit's formatters write.</summary>
public static class MimeTypes
{
    /// <summary>Plain text.</summary>
    public const string PlainText = "text/plain";

    /// <summary>HTML.</summary>
    public const string Html = "text/html";

    /// <summary>A PNG image, base64-encoded (as Jupyter stores it).</summary>
    public const string Png = "image/png";
}
