using System.Buffers.Binary;

namespace Iau.Reporting;

/// <summary>
/// Records a PNG's resolution: a pHYs chunk (pixels per metre, unit 1) right after IHDR, replacing any there
/// was, so that an image of 1050 pixels at 300 dpi is placed 3.5 inches wide by word processors and LaTeX.
/// </summary>
public static class PngDpi
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>The PNG with a pHYs chunk of <paramref name="dpi"/> dots per inch.</summary>
    /// <exception cref="ArgumentException">Not a PNG.</exception>
    public static byte[] WithDpi(byte[] png, double dpi)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (png.Length < 33 || png[0] != 0x89 || png[1] != (byte)'P' || png[2] != (byte)'N' || png[3] != (byte)'G')
        {
            throw new ArgumentException("Not a PNG image.", nameof(png));
        }

        var ppm = (uint)Math.Round(dpi / 0.0254);
        var phys = new byte[12 + 9];
        BinaryPrimitives.WriteUInt32BigEndian(phys, 9);
        "pHYs"u8.CopyTo(phys.AsSpan(4));
        BinaryPrimitives.WriteUInt32BigEndian(phys.AsSpan(8), ppm);
        BinaryPrimitives.WriteUInt32BigEndian(phys.AsSpan(12), ppm);
        phys[16] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(phys.AsSpan(17), Crc(phys.AsSpan(4, 13)));

        using var output = new MemoryStream(png.Length + phys.Length);
        output.Write(png, 0, 8);
        var pos = 8;
        var inserted = false;
        while (pos + 12 <= png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            var type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            var total = 12 + length;
            if (type != "pHYs")
            {
                output.Write(png, pos, total);
            }

            if (type == "IHDR" && !inserted)
            {
                output.Write(phys);
                inserted = true;
            }

            pos += total;
        }

        return output.ToArray();
    }

    /// <summary>The resolution a PNG records in its pHYs chunk (dots per inch), or null when it has none.</summary>
    public static double? ReadDpi(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        var pos = 8;
        while (pos + 12 <= png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (System.Text.Encoding.ASCII.GetString(png, pos + 4, 4) == "pHYs" && length == 9 && png[pos + 16] == 1)
            {
                return BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8)) * 0.0254;
            }

            pos += 12 + length;
        }

        return null;
    }

    internal static uint Crc(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return c ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
