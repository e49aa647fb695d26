using System.IO.Compression;

namespace Iau.Data.Formats;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format): a 4-byte magic number <c>00 00 TT DD</c>
/// (TT the data type, DD the number of dimensions), DD big-endian 32-bit dimension sizes, then the
/// data. Only unsigned-byte data (type 0x08) is supported. Gzip-compressed files are detected by their
/// magic bytes (1F 8B) and decompressed transparently. Reading is strict: a truncated file, a bad magic
/// number or bytes after the declared data are errors.
/// </summary>
public static class IdxReader
{
    /// <summary>The IDX data type byte for unsigned bytes, the only type supported.</summary>
    private const byte UnsignedByteType = 0x08;

    /// <summary>Magic number of an IDX3 unsigned-byte images file [N, rows, cols].</summary>
    private const uint ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX1 unsigned-byte labels file [N].</summary>
    private const uint LabelsMagic = 0x00000801;

    /// <summary>Most dimensions accepted; real files have 1–4.</summary>
    private const int MaxDims = 16;

    /// <summary>Initial read buffer for data whose declared size cannot be checked up front.</summary>
    private const int InitialChunk = 1 << 24;

    /// <summary>
    /// Reads an IDX3 images file ([N, rows, cols], magic 0x00000803) and an IDX1 labels file ([N],
    /// magic 0x00000801), either of them raw or gzip-compressed, into samples of shape [1, rows, cols].
    /// </summary>
    /// <exception cref="DataFormatException">A file is missing, malformed, or the counts differ.</exception>
    public static RawSamples Read(string imagesPath, string labelsPath)
    {
        var (imageDims, pixels) = ReadFile(imagesPath, ImagesMagic);
        var (labelDims, labelBytes) = ReadFile(labelsPath, LabelsMagic);

        var images = imageDims[0];
        var labelCount = labelDims[0];
        if (images != labelCount)
        {
            throw new DataFormatException(
                labelsPath,
                $"has {labelCount} labels but the images file {imagesPath} has {images} images");
        }

        var labels = new int[labelCount];
        for (var i = 0; i < labelCount; i++)
        {
            labels[i] = labelBytes[i];
        }

        return new RawSamples([1, imageDims[1], imageDims[2]], pixels, labels);
    }

    /// <summary>
    /// Reads one unsigned-byte IDX array of any rank from <paramref name="stream"/> (raw or gzip-compressed),
    /// returning its dimensions and its data in the file's (row-major) order. The whole stream must be
    /// the array: trailing bytes are an error.
    /// </summary>
    /// <param name="stream">The file's bytes; need not be seekable.</param>
    /// <param name="fileName">Name used in error messages.</param>
    /// <exception cref="DataFormatException">The data is not a well-formed unsigned-byte IDX array.</exception>
    public static (int[] Dims, byte[] Data) ReadArray(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        return ReadArray(stream, fileName, expectedMagic: null);
    }

    private static (int[] Dims, byte[] Data) ReadFile(string path, uint expectedMagic)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "file not found");
        }

        using var stream = new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return ReadArray(stream, path, expectedMagic);
    }

    private static (int[] Dims, byte[] Data) ReadArray(Stream stream, string fileName, uint? expectedMagic)
    {
        var prefix = new byte[2];
        var got = ReadFully(stream, prefix);
        if (got == 0)
        {
            throw new DataFormatException(fileName, "file is empty");
        }

        if (got == 2 && prefix[0] == 0x1F && prefix[1] == 0x8B)
        {
            try
            {
                using var gzip = new GZipStream(
                    new PrefixedStream(prefix, stream), CompressionMode.Decompress, leaveOpen: true);
                return ReadBody(gzip, fileName, expectedMagic, knownRemaining: null, compressed: true);
            }
            catch (InvalidDataException e)
            {
                throw new DataFormatException(fileName, $"corrupt gzip data: {e.Message}", e);
            }
        }

        long? remaining = null;
        if (stream.CanSeek)
        {
            remaining = stream.Length - stream.Position + got;
        }

        return ReadBody(
            new PrefixedStream(prefix.AsSpan(0, got).ToArray(), stream),
            fileName,
            expectedMagic,
            remaining,
            compressed: false);
    }

    private static (int[] Dims, byte[] Data) ReadBody(
        Stream stream, string fileName, uint? expectedMagic, long? knownRemaining, bool compressed)
    {
        var what = compressed ? "decompressed " : string.Empty;
        var header = new byte[4];
        var got = ReadFully(stream, header);
        if (got < 4)
        {
            throw new DataFormatException(
                fileName, $"truncated {what}header: expected 4 bytes of magic number, got {got}");
        }

        var magic = ReadBigEndian(header);
        if (expectedMagic is { } expected)
        {
            if (magic != expected)
            {
                throw new DataFormatException(
                    fileName,
                    $"bad magic number 0x{magic:X8}, expected 0x{expected:X8} "
                    + $"(IDX unsigned-byte, {expected & 0xFF} dimension(s))");
            }
        }
        else if (header[0] != 0 || header[1] != 0)
        {
            throw new DataFormatException(
                fileName,
                $"bad magic number 0x{magic:X8}, expected 0x000008NN (two zero bytes, data type 0x08, "
                + "dimension count)");
        }

        if (header[2] != UnsignedByteType)
        {
            throw new DataFormatException(
                fileName,
                $"unsupported IDX data type 0x{header[2]:X2} ({TypeName(header[2])}); only 0x08 "
                + "(unsigned byte) is supported");
        }

        var rank = header[3];
        if (rank == 0 || rank > MaxDims)
        {
            throw new DataFormatException(
                fileName, $"unsupported number of dimensions {rank} (expected 1 to {MaxDims})");
        }

        var dimBytes = new byte[4 * rank];
        got = ReadFully(stream, dimBytes);
        if (got < dimBytes.Length)
        {
            throw new DataFormatException(
                fileName,
                $"truncated {what}header: expected {dimBytes.Length} bytes of dimensions, got {got}");
        }

        var raw = new uint[rank];
        for (var i = 0; i < rank; i++)
        {
            raw[i] = ReadBigEndian(dimBytes.AsSpan(4 * i, 4));
        }

        var dims = new int[rank];
        long total = 1;
        for (var i = 0; i < rank; i++)
        {
            // Each factor is at most 2^32 and the running product stays at most Array.MaxLength, so the
            // long multiplication cannot overflow.
            total *= raw[i];
            if (raw[i] > int.MaxValue || total > Array.MaxLength)
            {
                throw new DataFormatException(
                    fileName,
                    $"absurd dimensions [{string.Join(", ", raw)}]: the data would exceed "
                    + $"{Array.MaxLength} bytes");
            }

            dims[i] = (int)raw[i];
        }

        var headerLength = 4 + dimBytes.Length;
        if (knownRemaining is { } remaining && remaining - headerLength < total)
        {
            throw new DataFormatException(
                fileName,
                $"truncated: expected {total} data bytes after the header, got {remaining - headerLength}");
        }

        var data = ReadData(stream, (int)total, fileName, what);

        var extra = new byte[1];
        if (ReadFully(stream, extra) != 0)
        {
            throw new DataFormatException(
                fileName,
                $"trailing {what}bytes after the declared {total} data bytes "
                + $"(dimensions [{string.Join(", ", dims)}])");
        }

        return (dims, data);
    }

    /// <summary>
    /// Reads exactly <paramref name="count"/> bytes, growing the buffer as data actually arrives so a
    /// corrupt header cannot make a tiny file allocate gigabytes.
    /// </summary>
    private static byte[] ReadData(Stream stream, int count, string fileName, string what)
    {
        var buffer = new byte[Math.Min(count, InitialChunk)];
        var filled = 0;
        while (filled < count)
        {
            if (filled == buffer.Length)
            {
                var size = (int)Math.Min(count, Math.Max(2L * buffer.Length, 1));
                Array.Resize(ref buffer, size);
            }

            var n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n == 0)
            {
                throw new DataFormatException(
                    fileName, $"truncated: expected {count} {what}data bytes after the header, got {filled}");
            }

            filled += n;
        }

        return buffer;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the count read.</summary>
    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static uint ReadBigEndian(ReadOnlySpan<byte> bytes) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);

    private static string TypeName(byte type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "short",
        0x0C => "int",
        0x0D => "float",
        0x0E => "double",
        _ => "unknown",
    };

    /// <summary>A read-only stream that yields a few already-read bytes and then the rest of another stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
    {
        private int _prefixUsed;

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
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (_prefixUsed < prefix.Length)
            {
                var n = Math.Min(buffer.Length, prefix.Length - _prefixUsed);
                prefix.AsSpan(_prefixUsed, n).CopyTo(buffer);
                _prefixUsed += n;
                return n;
            }

            return inner.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
