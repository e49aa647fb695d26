using System.Buffers.Binary;
using System.IO.Compression;

namespace Iau.Reporting;

/// <summary>
/// Lossless re-compression of a PNG's image data: the IDAT stream is inflated and deflated again at zlib's highest
/// level (the filtered scanlines, and so every pixel, stay as they are). Chromium's canvas writes PNGs at a fast
/// level; at 300 dpi the committed figures shrink by about a quarter (4.3 MB → 3.2 MB on the quick run).
/// </summary>
internal static class PngCompression
{
    /// <summary>The PNG with its IDAT chunks replaced by one chunk deflated at the smallest size, or the input when that is not smaller.</summary>
    /// <exception cref="ArgumentException">Not a PNG, or a chunk runs past the end.</exception>
    public static byte[] Smallest(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (png.Length < 8 || png[0] != 0x89 || png[1] != (byte)'P' || png[2] != (byte)'N' || png[3] != (byte)'G')
        {
            throw new ArgumentException("Not a PNG image.", nameof(png));
        }

        var chunks = new List<(string Type, int Start, int Total)>();
        using var idat = new MemoryStream();
        for (var pos = 8; pos + 12 <= png.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (length < 0 || pos + 12L + length > png.Length)
            {
                throw new ArgumentException($"PNG chunk at byte {pos} runs past the end.", nameof(png));
            }

            var type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            if (type == "IDAT")
            {
                idat.Write(png, pos + 8, length);
            }

            chunks.Add((type, pos, 12 + length));
            pos += 12 + length;
        }

        if (idat.Length == 0)
        {
            return png;
        }

        using var raw = new MemoryStream();
        idat.Position = 0;
        using (var inflate = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true))
        {
            inflate.CopyTo(raw);
        }

        using var deflated = new MemoryStream();
        using (var deflate = new ZLibStream(deflated, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            raw.Position = 0;
            raw.CopyTo(deflate);
        }

        if (deflated.Length >= idat.Length)
        {
            return png;
        }

        var data = deflated.ToArray();
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        "IDAT"u8.CopyTo(chunk.AsSpan(4));
        data.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), PngDpi.Crc(chunk.AsSpan(4, 4 + data.Length)));

        using var output = new MemoryStream(png.Length);
        output.Write(png, 0, 8);
        var written = false;
        foreach (var (type, start, total) in chunks)
        {
            if (type != "IDAT")
            {
                output.Write(png, start, total);
            }
            else if (!written)
            {
                output.Write(chunk);
                written = true;
            }
        }

        return output.ToArray();
    }
}
