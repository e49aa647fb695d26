using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Iau.Tests.Data;

/// <summary>
/// Writes small files in the real dataset formats (IDX, CIFAR binary, MATLAB Level 5 MAT, Purchase100
/// text) so the readers can be tested without the real datasets.
/// </summary>
internal static class FormatWriters
{
    // MAT-file data types and classes used below.
    public const int MiInt8 = 1;
    public const int MiUInt8 = 2;
    public const int MiInt32 = 5;
    public const int MiUInt32 = 6;
    public const int MiDouble = 9;
    public const int MiMatrix = 14;
    public const int MiCompressed = 15;
    public const int MxDoubleClass = 6;
    public const int MxUInt8Class = 9;

    /// <summary>A pixel value that depends on every coordinate, so a transposition changes the data.</summary>
    public static byte Pixel(int n, int ch, int r, int c) => (byte)((n * 101) + (ch * 59) + (r * 7) + (c * 17) + 3);

    // ---------------------------------------------------------------- IDX

    /// <summary>An unsigned-byte IDX file: magic 00 00 08 rank, big-endian dims, data.</summary>
    public static byte[] Idx(int[] dims, byte[] data, byte type = 0x08)
    {
        var bytes = new byte[4 + (4 * dims.Length) + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (var i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dims[i]);
        }

        data.CopyTo(bytes, 4 + (4 * dims.Length));
        return bytes;
    }

    /// <summary>IDX3 images [n, rows, cols] with pixel (i, r, c) = <see cref="Pixel"/>(i, 0, r, c).</summary>
    public static byte[] IdxImages(int n, int rows, int cols)
    {
        var data = new byte[n * rows * cols];
        for (var i = 0; i < n; i++)
        {
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < cols; c++)
                {
                    data[(i * rows * cols) + (r * cols) + c] = Pixel(i, 0, r, c);
                }
            }
        }

        return Idx([n, rows, cols], data);
    }

    /// <summary>IDX1 labels.</summary>
    public static byte[] IdxLabels(params byte[] labels) => Idx([labels.Length], labels);

    /// <summary>Gzip-compresses <paramref name="bytes"/>.</summary>
    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    // ---------------------------------------------------------------- CIFAR

    /// <summary>
    /// A CIFAR binary batch: per record the label byte(s) (CIFAR-100: coarse then fine) and 3072 pixel
    /// bytes (R, G, B planes, each 32×32 row-major) with pixel (n, ch, r, c) = <see cref="Pixel"/>.
    /// </summary>
    public static byte[] Cifar(int[] labels, int[]? coarse = null)
    {
        var labelBytes = coarse is null ? 1 : 2;
        var record = labelBytes + 3072;
        var bytes = new byte[labels.Length * record];
        for (var n = 0; n < labels.Length; n++)
        {
            var o = n * record;
            if (coarse is not null)
            {
                bytes[o++] = (byte)coarse[n];
            }

            bytes[o++] = (byte)labels[n];
            for (var ch = 0; ch < 3; ch++)
            {
                for (var r = 0; r < 32; r++)
                {
                    for (var c = 0; c < 32; c++)
                    {
                        bytes[o + (ch * 1024) + (r * 32) + c] = Pixel(n, ch, r, c);
                    }
                }
            }
        }

        return bytes;
    }

    /// <summary>Expected C,H,W features of images firstImage … firstImage + n − 1 of channels×rows×cols.</summary>
    public static byte[] ExpectedChw(int n, int channels, int rows, int cols, int firstImage = 0)
    {
        var data = new byte[n * channels * rows * cols];
        var i = 0;
        for (var s = 0; s < n; s++)
        {
            for (var ch = 0; ch < channels; ch++)
            {
                for (var r = 0; r < rows; r++)
                {
                    for (var c = 0; c < cols; c++)
                    {
                        data[i++] = Pixel(s + firstImage, ch, r, c);
                    }
                }
            }
        }

        return data;
    }

    // ---------------------------------------------------------------- MAT

    /// <summary>A MATLAB variable: class, dimensions, and its real part already encoded as a storage type.</summary>
    public sealed record MatVariable(string Name, int MxClass, int[] Dims, int StorageType, byte[] Data);

    /// <summary>SVHN's X: uint8 [32, 32, 3, n], column-major, element (r, c, ch, i) = Pixel(i, ch, r, c).</summary>
    public static MatVariable SvhnX(int n, int[]? dims = null)
    {
        var data = new byte[n * 3072];
        for (var i = 0; i < n; i++)
        {
            for (var ch = 0; ch < 3; ch++)
            {
                for (var c = 0; c < 32; c++)
                {
                    for (var r = 0; r < 32; r++)
                    {
                        data[r + (32 * c) + (1024 * ch) + (3072 * i)] = Pixel(i, ch, r, c);
                    }
                }
            }
        }

        return new MatVariable("X", MxUInt8Class, dims ?? [32, 32, 3, n], MiUInt8, data);
    }

    /// <summary>SVHN's y: class double [n, 1], stored as miDOUBLE or (as MATLAB does) compactly as miUINT8.</summary>
    public static MatVariable SvhnY(double[] labels, bool compactUInt8 = false)
    {
        if (compactUInt8)
        {
            return new MatVariable(
                "y", MxDoubleClass, [labels.Length, 1], MiUInt8, labels.Select(v => (byte)v).ToArray());
        }

        var data = new byte[labels.Length * 8];
        for (var i = 0; i < labels.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8 * i), labels[i]);
        }

        return new MatVariable("y", MxDoubleClass, [labels.Length, 1], MiDouble, data);
    }

    /// <summary>An unrelated double matrix, for the reader to skip.</summary>
    public static MatVariable Unrelated(string name = "__unrelated_variable")
    {
        var data = new byte[6 * 8];
        for (var i = 0; i < 6; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8 * i), i + 0.5);
        }

        return new MatVariable(name, MxDoubleClass, [2, 3], MiDouble, data);
    }

    /// <summary>The 128-byte Level 5 header.</summary>
    public static byte[] MatHeader(
        string text = "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024",
        string endian = "IM",
        ushort version = 0x0100)
    {
        var header = new byte[128];
        header.AsSpan(0, 116).Fill((byte)' ');
        Encoding.ASCII.GetBytes(text).CopyTo(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(124), version);
        Encoding.ASCII.GetBytes(endian).CopyTo(header, 126);
        return header;
    }

    /// <summary>
    /// A whole MAT-file: the header then each variable as a plain miMATRIX element or, when
    /// <paramref name="compressed"/>, as an miCOMPRESSED element wrapping the zlib-compressed miMATRIX.
    /// </summary>
    public static byte[] Mat(IEnumerable<MatVariable> variables, bool compressed, byte[]? header = null)
    {
        using var output = new MemoryStream();
        output.Write(header ?? MatHeader());
        foreach (var v in variables)
        {
            var matrix = MatrixElement(v);
            if (compressed)
            {
                var z = Zlib(matrix);
                WriteTag(output, MiCompressed, z.Length);
                output.Write(z);
            }
            else
            {
                output.Write(matrix);
            }
        }

        return output.ToArray();
    }

    /// <summary>One miMATRIX data element (tag included) for <paramref name="v"/>.</summary>
    public static byte[] MatrixElement(MatVariable v)
    {
        using var body = new MemoryStream();
        var flags = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(flags, (uint)v.MxClass);
        WriteElement(body, MiUInt32, flags);

        var dims = new byte[4 * v.Dims.Length];
        for (var i = 0; i < v.Dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(dims.AsSpan(4 * i), v.Dims[i]);
        }

        WriteElement(body, MiInt32, dims);
        WriteElement(body, MiInt8, Encoding.ASCII.GetBytes(v.Name));
        WriteElement(body, v.StorageType, v.Data);

        using var element = new MemoryStream();
        WriteTag(element, MiMatrix, (int)body.Length);
        body.Position = 0;
        body.CopyTo(element);
        return element.ToArray();
    }

    /// <summary>A data element, in small-element format when its data fits in 4 bytes (as MATLAB writes it).</summary>
    public static void WriteElement(Stream s, int type, byte[] data)
    {
        var word = new byte[4];
        if (data.Length <= 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)((data.Length << 16) | type));
            s.Write(word);
            var small = new byte[4];
            data.CopyTo(small, 0);
            s.Write(small);
            return;
        }

        WriteTag(s, type, data.Length);
        s.Write(data);
        s.Write(new byte[((data.Length + 7) & ~7) - data.Length]);
    }

    public static void WriteTag(Stream s, int type, int size)
    {
        var tag = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(tag, (uint)type);
        BinaryPrimitives.WriteUInt32LittleEndian(tag.AsSpan(4), (uint)size);
        s.Write(tag);
    }

    public static byte[] Zlib(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(bytes);
        }

        return output.ToArray();
    }

    // ---------------------------------------------------------------- Purchase100

    /// <summary>One Purchase100 line: the label (1-based) then 600 features from <see cref="PurchaseFeature"/>.</summary>
    public static string PurchaseLine(int sample, int label) =>
        label.ToString(System.Globalization.CultureInfo.InvariantCulture) + ","
        + string.Join(",", Enumerable.Range(0, 600).Select(j => PurchaseFeature(sample, j) ? "1" : "0"));

    public static bool PurchaseFeature(int sample, int j) => (sample + (j * j)) % 3 == 0;

    /// <summary>A Purchase100 file with one line per label, '\n' line ends and a final newline.</summary>
    public static string Purchase(params int[] labels) =>
        string.Concat(labels.Select((l, i) => PurchaseLine(i, l) + "\n"));

    /// <summary>
    /// A non-seekable read-only stream over <paramref name="bytes"/> that returns at most a few bytes per
    /// read, to check that readers loop over short reads and need no seeking.
    /// </summary>
    public static Stream Trickle(byte[] bytes) => new TrickleStream(bytes);

    private sealed class TrickleStream(byte[] bytes) : Stream
    {
        private int _position;
        private int _calls;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            // 1 to 7 bytes per call, never the whole request, except at least 1 while data remains.
            var n = Math.Min(Math.Min(buffer.Length, (_calls++ % 7) + 1), bytes.Length - _position);
            bytes.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
