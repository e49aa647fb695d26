using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Iau.Data.Formats;

/// <summary>
/// Reads the SVHN "cropped digits" files (<c>train_32x32.mat</c>, <c>test_32x32.mat</c>,
/// <c>extra_32x32.mat</c>): little-endian MATLAB Level 5 MAT-files holding <c>X</c>, a uint8 array of
/// dimensions [32, 32, 3, N] in MATLAB's column-major order, and <c>y</c>, an [N, 1] array of labels
/// 1–10 where 10 stands for the digit 0. Plain (miMATRIX) and zlib-compressed (miCOMPRESSED) variables
/// are supported; other variables are skipped. The file is read as a stream, one image at a time, so
/// peak memory is the output plus a small buffer.
/// </summary>
public static class SvhnMatReader
{
    private const int Side = 32;

    private const int Channels = 3;

    private const int PixelsPerImage = Side * Side * Channels;

    private const int HeaderLength = 128;

    private const int TagLength = 8;

    /// <summary>Initial output buffer; grows as image data actually arrives.</summary>
    private const int InitialBytes = 1 << 24;

    // MAT-file data types.
    private const int MiInt8 = 1;
    private const int MiUInt8 = 2;
    private const int MiInt16 = 3;
    private const int MiUInt16 = 4;
    private const int MiInt32 = 5;
    private const int MiUInt32 = 6;
    private const int MiSingle = 7;
    private const int MiDouble = 9;
    private const int MiInt64 = 12;
    private const int MiUInt64 = 13;
    private const int MiMatrix = 14;
    private const int MiCompressed = 15;

    // MATLAB array classes accepted for X and y (all the numeric ones: double … uint64).
    private const int MxDoubleClass = 6;
    private const int MxUInt64Class = 15;

    private const uint ComplexFlag = 0x0800;

    /// <summary>Reads an SVHN cropped-digits MAT-file into samples of shape [3, 32, 32].</summary>
    /// <exception cref="DataFormatException">The file is missing or is not a well-formed SVHN MAT-file.</exception>
    public static RawSamples Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "file not found");
        }

        using var stream = new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(stream, path);
    }

    /// <summary>Reads an SVHN cropped-digits MAT-file from a stream (need not be seekable).</summary>
    /// <param name="stream">The file's bytes.</param>
    /// <param name="fileName">Name used in error messages.</param>
    /// <exception cref="DataFormatException">The data is not a well-formed SVHN MAT-file.</exception>
    public static RawSamples Read(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);

        var top = new Cursor(stream, fileName, "file");
        ReadHeader(top);
        var state = new State(fileName);
        while (ReadTag(top, allowEnd: true) is { } tag)
        {
            switch (tag.Type)
            {
                case MiCompressed:
                    ReadCompressed(top, tag, state);
                    break;
                case MiMatrix:
                    RequireNotSmall(top, tag);
                    ReadMatrix(top, tag.Size, state, skipUnwanted: true);
                    top.SkipPadding(tag.Size);
                    break;
                default:
                    throw top.Error(
                        $"unexpected top-level data element of type {TypeName(tag.Type)} at offset "
                        + $"{tag.Offset}; expected miMATRIX or miCOMPRESSED");
            }
        }

        return state.Finish();
    }

    private static void ReadHeader(Cursor cursor)
    {
        var header = new byte[HeaderLength];
        var got = cursor.ReadFully(header);
        if (got == 0)
        {
            throw cursor.Error("file is empty");
        }

        var text = Encoding.ASCII.GetString(header, 0, Math.Min(got, 116));
        if (text.StartsWith("MATLAB 7.3 MAT-file", StringComparison.Ordinal))
        {
            throw cursor.Error(
                "MATLAB 7.3 (HDF5-based) MAT-files are not supported; expected a Level 5 MAT-file "
                + "(\"MATLAB 5.0 MAT-file\")");
        }

        if (!text.StartsWith("MATLAB 5.0 MAT-file", StringComparison.Ordinal))
        {
            var shown = new string(text.Take(19).Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
            throw cursor.Error(
                $"bad header: text starts with \"{shown}\", expected \"MATLAB 5.0 MAT-file\"");
        }

        if (got < HeaderLength)
        {
            throw cursor.Error($"truncated header: expected {HeaderLength} bytes, got {got}");
        }

        var endian = Encoding.ASCII.GetString(header, 126, 2);
        if (endian == "MI")
        {
            throw cursor.Error("big-endian MAT-files (endian indicator \"MI\") are not supported");
        }

        if (endian != "IM")
        {
            throw cursor.Error(
                $"bad header: endian indicator is 0x{header[126]:X2} 0x{header[127]:X2}, expected \"IM\"");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(124, 2));
        if (version != 0x0100)
        {
            throw cursor.Error($"bad header: version 0x{version:X4}, expected 0x0100");
        }
    }

    private static void ReadCompressed(Cursor top, Tag tag, State state)
    {
        RequireNotSmall(top, tag);
        var bounded = new BoundedStream(top, tag.Size);
        var context = $"compressed element at offset {tag.Offset}";
        try
        {
            using var zlib = new ZLibStream(bounded, CompressionMode.Decompress, leaveOpen: true);
            var inner = new Cursor(zlib, top.FileName, $"decompressed data of the {context}");
            while (ReadTag(inner, allowEnd: true) is { } innerTag)
            {
                if (innerTag.Type != MiMatrix)
                {
                    throw inner.Error(
                        $"unexpected data element of type {TypeName(innerTag.Type)}; expected miMATRIX");
                }

                RequireNotSmall(inner, innerTag);
                if (!ReadMatrix(inner, innerTag.Size, state, skipUnwanted: false))
                {
                    // A variable we do not need: skip the rest of the compressed bytes undecoded.
                    break;
                }

                inner.SkipPadding(innerTag.Size);
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(top.FileName, $"corrupt zlib data in the {context}: {e.Message}", e);
        }

        var rest = bounded.Remaining;
        var skipped = top.Skip(rest);
        if (skipped < rest)
        {
            throw top.Error(
                $"truncated: the {context} declares {tag.Size} bytes but the file ends "
                + $"{rest - skipped} bytes short");
        }
    }

    /// <summary>
    /// Reads one miMATRIX body of <paramref name="size"/> bytes. Returns false, having read only its header,
    /// for a variable other than X and y (skipping the rest of it when <paramref name="skipUnwanted"/>).
    /// </summary>
    private static bool ReadMatrix(Cursor cursor, long size, State state, bool skipUnwanted)
    {
        if (size == 0)
        {
            return true;
        }

        var end = cursor.Position + size;

        var flagsTag = ReadSubTag(cursor, end, "array flags");
        if (flagsTag.Type != MiUInt32 || flagsTag.Size != 8)
        {
            throw cursor.Error(
                $"bad array flags: data element of type {TypeName(flagsTag.Type)} and {flagsTag.Size} "
                + "bytes, expected miUINT32 of 8 bytes");
        }

        var flagBytes = ReadSubData(cursor, flagsTag, "array flags");
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(flagBytes);
        var mxClass = (int)(flags & 0xFF);

        var dimsTag = ReadSubTag(cursor, end, "dimensions");
        if (dimsTag.Type != MiInt32 || dimsTag.Size < 8 || dimsTag.Size % 4 != 0 || dimsTag.Size > 4 * 32)
        {
            throw cursor.Error(
                $"bad dimensions: data element of type {TypeName(dimsTag.Type)} and {dimsTag.Size} bytes, "
                + "expected miINT32 with at least two dimensions");
        }

        var dimBytes = ReadSubData(cursor, dimsTag, "dimensions");
        var dims = new int[dimBytes.Length / 4];
        for (var i = 0; i < dims.Length; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32LittleEndian(dimBytes.AsSpan(4 * i, 4));
            if (dims[i] < 0)
            {
                throw cursor.Error($"bad dimensions: negative size {dims[i]}");
            }
        }

        var nameTag = ReadSubTag(cursor, end, "array name");
        if (nameTag.Type is not (MiInt8 or MiUInt8) || nameTag.Size > 64)
        {
            throw cursor.Error(
                $"bad array name: data element of type {TypeName(nameTag.Type)} and {nameTag.Size} bytes, "
                + "expected miINT8");
        }

        var name = Encoding.ASCII.GetString(ReadSubData(cursor, nameTag, "array name"));
        if (name is not ("X" or "y"))
        {
            if (skipUnwanted)
            {
                var rest = end - cursor.Position;
                if (cursor.Skip(rest) < rest)
                {
                    throw cursor.Error($"truncated: variable '{name}' ends early");
                }
            }

            return false;
        }

        if (mxClass < MxDoubleClass || mxClass > MxUInt64Class)
        {
            throw cursor.Error(
                $"variable '{name}' has unsupported MATLAB class {mxClass} ({ClassName(mxClass)}); "
                + "expected a numeric array");
        }

        if ((flags & ComplexFlag) != 0)
        {
            throw cursor.Error($"variable '{name}' is complex; expected a real array");
        }

        var dataTag = ReadSubTag(cursor, end, $"data of variable '{name}'");
        var elementSize = ElementSize(dataTag.Type);
        if (elementSize == 0)
        {
            throw cursor.Error(
                $"variable '{name}' stores its data as unsupported type {TypeName(dataTag.Type)}");
        }

        long elements = 1;
        foreach (var d in dims)
        {
            elements *= d;
            if (elements > int.MaxValue)
            {
                throw cursor.Error($"variable '{name}' has absurd dimensions [{string.Join(", ", dims)}]");
            }
        }

        if (dataTag.Size != elements * elementSize)
        {
            throw cursor.Error(
                $"variable '{name}' has dimensions [{string.Join(", ", dims)}] ({elements} elements) but "
                + $"its {TypeName(dataTag.Type)} data holds {dataTag.Size} bytes, expected "
                + $"{elements * elementSize}");
        }

        if (name == "X")
        {
            state.SetImages(ReadImages(cursor, dataTag, dims, elementSize));
        }
        else
        {
            state.SetLabels(ReadLabels(cursor, dataTag, dims, (int)elements, elementSize));
        }

        if (!dataTag.IsSmall)
        {
            cursor.SkipPadding(dataTag.Size);
        }

        if (cursor.Position > end)
        {
            throw cursor.Error($"variable '{name}' overruns its declared size of {size} bytes");
        }

        // Anything after the real part (there should be nothing for a real numeric array) is ignored.
        var remaining = end - cursor.Position;
        if (cursor.Skip(remaining) < remaining)
        {
            throw cursor.Error($"truncated: variable '{name}' ends early");
        }

        return true;
    }

    private static byte[] ReadImages(Cursor cursor, Tag dataTag, int[] dims, int elementSize)
    {
        var count = dims.Length switch
        {
            3 => 1,
            4 => dims[3],
            _ => -1,
        };
        if (count < 0 || dims[0] != Side || dims[1] != Side || dims[2] != Channels)
        {
            throw cursor.Error(
                $"variable 'X' has dimensions [{string.Join(", ", dims)}], expected [32, 32, 3, N]");
        }

        if (count == 0)
        {
            throw cursor.Error("variable 'X' holds no images");
        }

        long total = (long)count * PixelsPerImage;
        if (total > Array.MaxLength)
        {
            throw cursor.Error($"variable 'X' holds {count} images, more than can be loaded");
        }

        var output = new byte[(int)Math.Min(total, InitialBytes)];
        var source = dataTag.IsSmall
            ? new Cursor(new MemoryStream(dataTag.SmallData!), cursor.FileName, "X")
            : cursor;
        var sample = new byte[PixelsPerImage * elementSize];
        for (var n = 0; n < count; n++)
        {
            var got = source.ReadFully(sample);
            if (got < sample.Length)
            {
                throw cursor.Error(
                    $"truncated: variable 'X' should hold {dataTag.Size} bytes of data, "
                    + $"got {((long)n * sample.Length) + got}");
            }

            var offset = (long)n * PixelsPerImage;
            if (offset + PixelsPerImage > output.Length)
            {
                var grown = Math.Min(total, Math.Max(2L * output.Length, offset + PixelsPerImage));
                Array.Resize(ref output, (int)grown);
            }

            var image = output.AsSpan((int)offset, PixelsPerImage);
            if (dataTag.Type == MiUInt8)
            {
                // Column-major source: (r, c, ch) at r + 32c + 1024ch. Output: C, H, W.
                for (var ch = 0; ch < Channels; ch++)
                {
                    var plane = Side * Side * ch;
                    for (var c = 0; c < Side; c++)
                    {
                        for (var r = 0; r < Side; r++)
                        {
                            image[plane + (Side * r) + c] = sample[plane + r + (Side * c)];
                        }
                    }
                }

                continue;
            }

            for (var ch = 0; ch < Channels; ch++)
            {
                var plane = Side * Side * ch;
                for (var c = 0; c < Side; c++)
                {
                    for (var r = 0; r < Side; r++)
                    {
                        var i = plane + r + (Side * c);
                        var v = ToDouble(sample.AsSpan(i * elementSize, elementSize), dataTag.Type);
                        if (!(v >= 0 && v <= 255 && Math.Floor(v) == v))
                        {
                            throw cursor.Error(
                                $"variable 'X' element (row {r + 1}, column {c + 1}, channel {ch + 1}, "
                                + $"image {n + 1}) is {Format(v)}, expected an integer 0..255");
                        }

                        image[plane + (Side * r) + c] = (byte)v;
                    }
                }
            }
        }

        return output;
    }

    private static int[] ReadLabels(Cursor cursor, Tag dataTag, int[] dims, int count, int elementSize)
    {
        if (dims.Length != 2 || (dims[1] != 1 && dims[0] != 1))
        {
            throw cursor.Error(
                $"variable 'y' has dimensions [{string.Join(", ", dims)}], expected [N, 1]");
        }

        if (count == 0)
        {
            throw cursor.Error("variable 'y' holds no labels");
        }

        var source = dataTag.IsSmall
            ? new Cursor(new MemoryStream(dataTag.SmallData!), cursor.FileName, "y")
            : cursor;
        var labels = new List<int>(Math.Min(count, 1 << 20));
        var chunk = new byte[4096 * elementSize];
        var index = 0;
        while (index < count)
        {
            var take = Math.Min(4096, count - index);
            var got = source.ReadFully(chunk.AsSpan(0, take * elementSize));
            if (got < take * elementSize)
            {
                throw cursor.Error(
                    $"truncated: variable 'y' should hold {dataTag.Size} bytes of data, "
                    + $"got {((long)index * elementSize) + got}");
            }

            for (var k = 0; k < take; k++, index++)
            {
                var v = ToDouble(chunk.AsSpan(k * elementSize, elementSize), dataTag.Type);
                if (!(v >= 1 && v <= 10 && Math.Floor(v) == v))
                {
                    throw cursor.Error(
                        $"variable 'y' element {index + 1} (1-based) is {Format(v)}, expected a label 1..10");
                }

                labels.Add(v == 10 ? 0 : (int)v);
            }
        }

        return [.. labels];
    }

    private static Tag? ReadTag(Cursor cursor, bool allowEnd)
    {
        var offset = cursor.Position;
        Span<byte> tag = stackalloc byte[TagLength];
        var got = cursor.ReadFully(tag);
        if (got == 0 && allowEnd)
        {
            return null;
        }

        if (got < TagLength)
        {
            throw cursor.Error(
                $"truncated: expected an {TagLength}-byte data element tag at offset {offset}, got {got} bytes");
        }

        var word0 = BinaryPrimitives.ReadUInt32LittleEndian(tag);
        if (word0 >> 16 != 0)
        {
            // Small data element: size in the upper 16 bits, type in the lower, data in the next 4 bytes.
            var smallSize = (int)(word0 >> 16);
            if (smallSize > 4)
            {
                throw cursor.Error(
                    $"bad small data element at offset {offset}: size {smallSize} exceeds 4 bytes");
            }

            return new Tag((int)(word0 & 0xFFFF), smallSize, offset, tag.Slice(4, smallSize).ToArray());
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(tag[4..]);
        return new Tag((int)word0, size, offset, null);
    }

    private static Tag ReadSubTag(Cursor cursor, long end, string what)
    {
        if (end - cursor.Position < TagLength)
        {
            throw cursor.Error($"matrix element too short for its {what}");
        }

        var tag = ReadTag(cursor, allowEnd: false)!;
        var padded = tag.IsSmall ? 0 : PaddedSize(tag.Size);
        if (padded > end - cursor.Position)
        {
            throw cursor.Error(
                $"{what}: data element of {tag.Size} bytes overruns its matrix element "
                + $"({end - cursor.Position} bytes left)");
        }

        return tag;
    }

    /// <summary>Reads a small sub-element's data (at most a few hundred bytes) and its padding.</summary>
    private static byte[] ReadSubData(Cursor cursor, Tag tag, string what)
    {
        if (tag.IsSmall)
        {
            return tag.SmallData!;
        }

        var data = new byte[tag.Size];
        var got = cursor.ReadFully(data);
        if (got < data.Length)
        {
            throw cursor.Error($"truncated {what}: expected {data.Length} bytes, got {got}");
        }

        cursor.SkipPadding(tag.Size);
        return data;
    }

    private static void RequireNotSmall(Cursor cursor, Tag tag)
    {
        if (tag.IsSmall)
        {
            throw cursor.Error(
                $"bad data element at offset {tag.Offset}: {TypeName(tag.Type)} in small-element format");
        }
    }

    private static long PaddedSize(long size) => (size + 7) & ~7L;

    private static int ElementSize(int type) => type switch
    {
        MiInt8 or MiUInt8 => 1,
        MiInt16 or MiUInt16 => 2,
        MiInt32 or MiUInt32 or MiSingle => 4,
        MiDouble or MiInt64 or MiUInt64 => 8,
        _ => 0,
    };

    /// <summary>Converts one stored value by its storage type (not the array's class).</summary>
    private static double ToDouble(ReadOnlySpan<byte> b, int type) => type switch
    {
        MiInt8 => (sbyte)b[0],
        MiUInt8 => b[0],
        MiInt16 => BinaryPrimitives.ReadInt16LittleEndian(b),
        MiUInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
        MiInt32 => BinaryPrimitives.ReadInt32LittleEndian(b),
        MiUInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
        MiSingle => BinaryPrimitives.ReadSingleLittleEndian(b),
        MiDouble => BinaryPrimitives.ReadDoubleLittleEndian(b),
        MiInt64 => BinaryPrimitives.ReadInt64LittleEndian(b),
        MiUInt64 => BinaryPrimitives.ReadUInt64LittleEndian(b),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string TypeName(int type) => type switch
    {
        MiInt8 => "miINT8",
        MiUInt8 => "miUINT8",
        MiInt16 => "miINT16",
        MiUInt16 => "miUINT16",
        MiInt32 => "miINT32",
        MiUInt32 => "miUINT32",
        MiSingle => "miSINGLE",
        MiDouble => "miDOUBLE",
        MiInt64 => "miINT64",
        MiUInt64 => "miUINT64",
        MiMatrix => "miMATRIX",
        MiCompressed => "miCOMPRESSED",
        16 => "miUTF8",
        17 => "miUTF16",
        18 => "miUTF32",
        _ => $"unknown type {type}",
    };

    private static string ClassName(int mxClass) => mxClass switch
    {
        1 => "cell",
        2 => "struct",
        3 => "object",
        4 => "char",
        5 => "sparse",
        _ => "unknown",
    };

    /// <summary>A data element tag; <see cref="SmallData"/> holds the data of a small data element.</summary>
    private sealed record Tag(int Type, long Size, long Offset, byte[]? SmallData)
    {
        public bool IsSmall => SmallData is not null;
    }

    /// <summary>What has been found so far; checks X and y against each other at the end.</summary>
    private sealed class State(string fileName)
    {
        private byte[]? _images;
        private int[]? _labels;

        public void SetImages(byte[] images)
        {
            if (_images is not null)
            {
                throw new DataFormatException(fileName, "variable 'X' appears more than once");
            }

            _images = images;
        }

        public void SetLabels(int[] labels)
        {
            if (_labels is not null)
            {
                throw new DataFormatException(fileName, "variable 'y' appears more than once");
            }

            _labels = labels;
        }

        public RawSamples Finish()
        {
            if (_images is null)
            {
                throw new DataFormatException(fileName, "no variable 'X' (the images) found");
            }

            if (_labels is null)
            {
                throw new DataFormatException(fileName, "no variable 'y' (the labels) found");
            }

            var images = _images.Length / PixelsPerImage;
            if (images != _labels.Length)
            {
                throw new DataFormatException(
                    fileName, $"variable 'X' holds {images} images but 'y' holds {_labels.Length} labels");
            }

            return new RawSamples([Channels, Side, Side], _images, _labels);
        }
    }

    /// <summary>Reads a stream while counting the bytes consumed, for offsets, padding and skipping.</summary>
    private sealed class Cursor(Stream stream, string fileName, string where)
    {
        private readonly byte[] _skipBuffer = new byte[1 << 16];

        public string FileName => fileName;

        public long Position { get; private set; }

        public DataFormatException Error(string problem) => new(fileName, problem);

        public int ReadFully(Span<byte> buffer)
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

            Position += total;
            return total;
        }

        /// <summary>Reads what the stream has ready, at most the buffer's length.</summary>
        public int Read(Span<byte> buffer)
        {
            var n = stream.Read(buffer);
            Position += n;
            return n;
        }

        /// <summary>Skips up to <paramref name="count"/> bytes; returns how many there were.</summary>
        public long Skip(long count)
        {
            if (count <= 0)
            {
                return 0;
            }

            if (stream.CanSeek)
            {
                var available = Math.Max(0, stream.Length - stream.Position);
                var step = Math.Min(count, available);
                stream.Seek(step, SeekOrigin.Current);
                Position += step;
                return step;
            }

            long skipped = 0;
            while (skipped < count)
            {
                var n = ReadFully(_skipBuffer.AsSpan(0, (int)Math.Min(_skipBuffer.Length, count - skipped)));
                if (n == 0)
                {
                    break;
                }

                skipped += n;
            }

            return skipped;
        }

        /// <summary>Skips the padding that follows <paramref name="dataSize"/> bytes of element data.</summary>
        public void SkipPadding(long dataSize)
        {
            var padding = PaddedSize(dataSize) - dataSize;
            if (Skip(padding) < padding)
            {
                throw Error($"truncated: {where} ends inside the padding after a data element");
            }
        }
    }

    /// <summary>The next <c>limit</c> bytes of a <see cref="Cursor"/>, as a stream (the input of zlib).</summary>
    private sealed class BoundedStream(Cursor cursor, long limit) : Stream
    {
        public long Remaining { get; private set; } = limit;

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
            if (Remaining == 0 || buffer.IsEmpty)
            {
                return 0;
            }

            var n = cursor.Read(buffer[..(int)Math.Min(buffer.Length, Remaining)]);
            Remaining -= n;
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
