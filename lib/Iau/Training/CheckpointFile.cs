using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Training;

/// <summary>
/// The kit's single-file container for checkpoints (little-endian throughout):
/// <code>
/// "IAUCKPT1"                       8 ASCII bytes
/// int32 format version             1
/// string kind                      "model" or "training-state"
/// int32 n, n bytes                 UTF-8 JSON header (the metadata)
/// int32 section count
///   string name, byte type         1 = named tensors, 2 = opaque blob
///   tensors: int32 count, then per tensor:
///     string name, int32 dtype (libtorch ScalarType code), int32 rank, int64[rank] shape,
///     int64 byte count, raw C-contiguous element bytes
///   blob: int64 length, bytes
/// 32 bytes                         SHA-256 of every byte before it
/// "IAUCEND1"                       8 ASCII bytes
/// </code>
/// Strings are .NET BinaryWriter strings (7-bit encoded length, UTF-8). Files are written to a temporary
/// file in the same folder and moved over the target, so a reader never sees a half-written file; the
/// checksum catches truncation and corruption before anything is parsed. Temporaries left by a killed
/// writer are removed by the next write of the same file (<see cref="Runtime.TempFiles"/>).
/// </summary>
internal static class CheckpointFile
{
    internal const int FormatVersion = 1;
    private const int TrailerLength = 32 + 8;
    private const byte TensorSection = 1;
    private const byte BlobSection = 2;
    private static readonly byte[] Magic = "IAUCKPT1"u8.ToArray();
    private static readonly byte[] EndMagic = "IAUCEND1"u8.ToArray();

    internal sealed class Contents : IDisposable
    {
        public required string Kind { get; init; }

        public required string Header { get; init; }

        public Dictionary<string, Dictionary<string, Tensor>> Tensors { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, byte[]> Blobs { get; } = new(StringComparer.Ordinal);

        public void Dispose()
        {
            foreach (var group in Tensors.Values)
            {
                foreach (var t in group.Values)
                {
                    t.Dispose();
                }
            }

            Tensors.Clear();
        }
    }

    internal sealed record Section(string Name, IReadOnlyDictionary<string, Tensor>? Tensors, byte[]? Blob);

    /// <summary>Writes atomically: temporary file beside the target, flushed to disk, then moved over it.</summary>
    public static void Write(string path, string kind, string header, IReadOnlyList<Section> sections)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(folder);
        Runtime.TempFiles.CleanStale(full);
        var temp = Runtime.TempFiles.For(full);
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                using (var hashing = new HashingStream(file, hash))
                using (var w = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
                {
                    w.Write(Magic);
                    w.Write(FormatVersion);
                    w.Write(kind);
                    var json = Encoding.UTF8.GetBytes(header);
                    w.Write(json.Length);
                    w.Write(json);
                    w.Write(sections.Count);
                    foreach (var s in sections)
                    {
                        w.Write(s.Name);
                        if (s.Tensors is not null)
                        {
                            w.Write(TensorSection);
                            w.Write(s.Tensors.Count);
                            foreach (var (name, t) in s.Tensors)
                            {
                                WriteTensor(w, name, t);
                            }
                        }
                        else
                        {
                            var blob = s.Blob ?? [];
                            w.Write(BlobSection);
                            w.Write((long)blob.Length);
                            w.Write(blob);
                        }
                    }
                }

                file.Write(hash.GetHashAndReset());
                file.Write(EndMagic);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Reads and verifies a whole file.</summary>
    /// <exception cref="CheckpointFormatException">Missing, truncated, corrupt or not a checkpoint.</exception>
    public static Contents Read(string path, string expectedKind)
    {
        using var file = Open(path);
        VerifyChecksum(path, file);
        file.Position = 0;
        var payloadEnd = file.Length - TrailerLength;
        try
        {
            using var r = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
            var (kind, header) = ReadPreamble(path, r, payloadEnd, expectedKind);
            var contents = new Contents { Kind = kind, Header = header };
            try
            {
                var count = r.ReadInt32();
                for (var i = 0; i < count; i++)
                {
                    var name = r.ReadString();
                    var type = r.ReadByte();
                    if (type == TensorSection)
                    {
                        var n = r.ReadInt32();
                        var group = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                        contents.Tensors[name] = group;
                        for (var k = 0; k < n; k++)
                        {
                            var (tensorName, tensor) = ReadTensor(r, payloadEnd);
                            group[tensorName] = tensor;
                        }
                    }
                    else if (type == BlobSection)
                    {
                        var length = r.ReadInt64();
                        CheckRemaining(r, payloadEnd, length);
                        contents.Blobs[name] = r.ReadBytes(checked((int)length));
                    }
                    else
                    {
                        throw new InvalidDataException($"unknown section type {type}");
                    }
                }

                if (file.Position != payloadEnd)
                {
                    throw new InvalidDataException("unexpected bytes after the last section");
                }

                return contents;
            }
            catch
            {
                contents.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or OverflowException or ArgumentException or FormatException)
        {
            throw new CheckpointFormatException(path, "corrupt checkpoint: " + e.Message, e);
        }
    }

    /// <summary>Reads only the kind and JSON header (no checksum verification: cheap for listing files).</summary>
    public static string ReadHeader(string path, string expectedKind)
    {
        using var file = Open(path);
        try
        {
            using var r = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
            return ReadPreamble(path, r, file.Length, expectedKind).Header;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException or FormatException or OverflowException or IOException)
        {
            throw new CheckpointFormatException(path, "truncated or corrupt header: " + e.Message, e);
        }
    }

    private static FileStream Open(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CheckpointFormatException(path, "is a folder, not a checkpoint file");
        }

        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointFormatException(path, "checkpoint file not found", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CheckpointFormatException(path, "checkpoint file cannot be read: " + e.Message, e);
        }
    }

    private static (string Kind, string Header) ReadPreamble(string path, BinaryReader r, long end, string expectedKind)
    {
        var magic = r.ReadBytes(Magic.Length);
        if (!magic.AsSpan().SequenceEqual(Magic))
        {
            throw new CheckpointFormatException(path, "not an IAU checkpoint (bad magic bytes)");
        }

        var version = r.ReadInt32();
        if (version != FormatVersion)
        {
            throw new CheckpointFormatException(path, $"checkpoint format version {version} is not supported (this kit reads version {FormatVersion})");
        }

        var kind = r.ReadString();
        if (kind != expectedKind)
        {
            throw new CheckpointFormatException(path, kind == "training-state" && expectedKind == "model"
                ? "is a training state (the resume file `iau train` keeps beside its --out until training ends), not a model checkpoint; give the .ckpt file"
                : $"holds a '{kind}' checkpoint where a '{expectedKind}' checkpoint was expected");
        }

        var length = r.ReadInt32();
        CheckRemaining(r, end, length);
        var header = Encoding.UTF8.GetString(r.ReadBytes(length));
        return (kind, header);
    }

    private static void VerifyChecksum(string path, FileStream file)
    {
        if (file.Length == 0)
        {
            throw new CheckpointFormatException(path, "empty file (0 bytes), not a checkpoint");
        }

        var start = new byte[Math.Min(Magic.Length, file.Length)];
        file.ReadExactly(start);
        if (!Magic.AsSpan(0, start.Length).SequenceEqual(start))
        {
            throw new CheckpointFormatException(path, "not an IAU checkpoint (it does not start with IAUCKPT1)");
        }

        if (file.Length < Magic.Length + TrailerLength)
        {
            throw new CheckpointFormatException(path, $"truncated checkpoint ({file.Length} bytes)");
        }

        var trailer = new byte[TrailerLength];
        file.Position = file.Length - TrailerLength;
        file.ReadExactly(trailer);
        if (!trailer.AsSpan(32).SequenceEqual(EndMagic))
        {
            throw new CheckpointFormatException(path, "truncated or corrupt checkpoint (end marker missing)");
        }

        file.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        var left = file.Length - TrailerLength;
        while (left > 0)
        {
            var n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n <= 0)
            {
                throw new CheckpointFormatException(path, "truncated checkpoint (read past end)");
            }

            hash.AppendData(buffer, 0, n);
            left -= n;
        }

        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(trailer.AsSpan(0, 32)))
        {
            throw new CheckpointFormatException(path, "corrupt checkpoint (SHA-256 checksum mismatch)");
        }
    }

    private static void WriteTensor(BinaryWriter w, string name, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var t = tensor.detach().cpu().contiguous();
        w.Write(name);
        w.Write((int)t.dtype);
        w.Write(t.shape.Length);
        foreach (var d in t.shape)
        {
            w.Write(d);
        }

        var bytes = t.bytes;
        w.Write((long)bytes.Length);
        w.Write(bytes);
    }

    private static (string Name, Tensor Tensor) ReadTensor(BinaryReader r, long end)
    {
        var name = r.ReadString();
        var dtype = (ScalarType)r.ReadInt32();
        if (!Enum.IsDefined(dtype))
        {
            throw new InvalidDataException($"tensor '{name}' has unknown element type code {(int)dtype}");
        }

        var rank = r.ReadInt32();
        if (rank is < 0 or > 16)
        {
            throw new InvalidDataException($"tensor '{name}' has rank {rank}");
        }

        var shape = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            shape[i] = r.ReadInt64();
            if (shape[i] < 0)
            {
                throw new InvalidDataException($"tensor '{name}' has a negative dimension");
            }
        }

        var length = r.ReadInt64();
        CheckRemaining(r, end, length);
        var data = r.ReadBytes(checked((int)length));
        var t = empty(shape, dtype: dtype);
        if (t.bytes.Length != data.Length)
        {
            t.Dispose();
            throw new InvalidDataException($"tensor '{name}' holds {data.Length} bytes, its shape needs a different number");
        }

        t.bytes = data;
        return (name, t.DetachFromDisposeScope());
    }

    private static void CheckRemaining(BinaryReader r, long end, long length)
    {
        if (length < 0 || length > end - r.BaseStream.Position)
        {
            throw new EndOfStreamException($"a length of {length} bytes runs past the end of the data");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Write-only pass-through stream that feeds every byte to a hash.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
            inner.Flush();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            throw new NotSupportedException();
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            throw new NotSupportedException();
        }

        public override void SetLength(long value)
        {
            throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Write(buffer.AsSpan(offset, count));
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
        }
    }
}
