using System.Formats.Tar;
using System.IO.Compression;

namespace Iau.Data.Formats;

/// <summary>
/// Reads the "binary version" of CIFAR-10 and CIFAR-100. Each record is the label byte(s) followed by
/// 3072 pixel bytes: 1024 red, 1024 green, 1024 blue, each a 32×32 image in row-major order, which is
/// already the channel-major (C, H, W) layout of <see cref="RawSamples"/>. CIFAR-10 records have one
/// label byte (0–9); CIFAR-100 records have two (coarse 0–19, then fine 0–99) and the fine label is used.
/// </summary>
public static class CifarBinaryReader
{
    /// <summary>Channels, height and width of one CIFAR image.</summary>
    private const int Channels = 3;

    private const int Side = 32;

    /// <summary>Pixel bytes per record.</summary>
    private const int PixelBytes = Channels * Side * Side;

    /// <summary>Records read into a freshly allocated buffer when the stream length is unknown.</summary>
    private const int InitialRecords = 1024;

    /// <summary>
    /// Reads every record of one CIFAR binary batch file.
    /// </summary>
    /// <param name="stream">The file's bytes; need not be seekable.</param>
    /// <param name="fileName">Name used in error messages.</param>
    /// <param name="labelBytes">1 for CIFAR-10, 2 for CIFAR-100 (the last label byte, the fine label, is used).</param>
    /// <param name="classes">Number of classes: labels must lie in [0, classes).</param>
    /// <exception cref="DataFormatException">The file is empty, its length is not a whole number of records,
    /// or a label is out of range.</exception>
    public static RawSamples Read(Stream stream, string fileName, int labelBytes, int classes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentOutOfRangeException.ThrowIfLessThan(labelBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(labelBytes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, 256);

        var recordSize = labelBytes + PixelBytes;
        var capacity = InitialRecords;
        if (stream.CanSeek)
        {
            var length = stream.Length - stream.Position;
            CheckLength(fileName, length, recordSize);
            if (length / recordSize > Array.MaxLength / PixelBytes)
            {
                throw new DataFormatException(
                    fileName, $"too large: {length / recordSize} records exceed the supported size");
            }

            capacity = (int)(length / recordSize);
        }

        var features = new byte[(long)capacity * PixelBytes];
        var labels = new int[capacity];
        var record = new byte[recordSize];
        var count = 0;
        long bytesRead = 0;
        while (true)
        {
            var got = ReadFully(stream, record);
            bytesRead += got;
            if (got < recordSize)
            {
                if (got != 0)
                {
                    CheckLength(fileName, bytesRead, recordSize);
                }

                break;
            }

            var label = record[labelBytes - 1];
            if (label >= classes)
            {
                throw new DataFormatException(
                    fileName,
                    $"record {count}: label {label} is out of range [0, {classes})");
            }

            if (count == labels.Length)
            {
                if ((long)count * 2 * PixelBytes > Array.MaxLength)
                {
                    throw new DataFormatException(
                        fileName, $"too large: more than {count} records exceed the supported size");
                }

                Array.Resize(ref labels, count * 2);
                Array.Resize(ref features, count * 2 * PixelBytes);
            }

            labels[count] = label;
            Buffer.BlockCopy(record, labelBytes, features, count * PixelBytes, PixelBytes);
            count++;
        }

        if (count == 0)
        {
            throw new DataFormatException(fileName, "file is empty");
        }

        if (count != labels.Length)
        {
            Array.Resize(ref labels, count);
            Array.Resize(ref features, count * PixelBytes);
        }

        return new RawSamples([Channels, Side, Side], features, labels);
    }

    /// <summary>
    /// Reads several CIFAR binary batch files (e.g. <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c>) and
    /// concatenates their records in the given order.
    /// </summary>
    /// <exception cref="DataFormatException">A file is missing or malformed.</exception>
    public static RawSamples ReadFiles(IEnumerable<string> paths, int labelBytes, int classes)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var parts = new List<RawSamples>();
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw new DataFormatException(path, "file not found");
            }

            using var stream = new FileStream(
                path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            parts.Add(Read(stream, path, labelBytes, classes));
        }

        if (parts.Count == 0)
        {
            throw new ArgumentException("At least one file is needed.", nameof(paths));
        }

        return parts.Count == 1 ? parts[0] : RawSamples.Concat(parts);
    }

    /// <summary>
    /// Extracts the regular files of a <c>.tar.gz</c> archive (such as <c>cifar-10-binary.tar.gz</c>) under
    /// <paramref name="destinationDir"/>, keeping their relative paths. Directories are created as needed;
    /// links and other special entries are skipped. Each file is written to a temporary name and then
    /// renamed, so an interrupted extraction never leaves a partial file under its final name.
    /// </summary>
    /// <exception cref="DataFormatException">The archive is missing or corrupt, or an entry's path would
    /// escape <paramref name="destinationDir"/>.</exception>
    public static void ExtractTarGz(string archivePath, string destinationDir)
    {
        ArgumentNullException.ThrowIfNull(archivePath);
        ArgumentNullException.ThrowIfNull(destinationDir);
        if (!File.Exists(archivePath))
        {
            throw new DataFormatException(archivePath, "file not found");
        }

        var root = Path.GetFullPath(destinationDir);
        var rootPrefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(root);

        try
        {
            using var file = new FileStream(
                archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile
                    or TarEntryType.ContiguousFile))
                {
                    continue;
                }

                var target = Path.GetFullPath(Path.Combine(root, entry.Name));
                if (Path.IsPathRooted(entry.Name)
                    || !target.StartsWith(rootPrefix, StringComparison.Ordinal))
                {
                    throw new DataFormatException(
                        archivePath,
                        $"entry '{entry.Name}' would be extracted outside the destination directory {root}");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var temp = target + ".partial-" + Guid.NewGuid().ToString("N");
                try
                {
                    using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                    {
                        entry.DataStream?.CopyTo(output);
                    }

                    File.Move(temp, target, overwrite: true);
                }
                catch
                {
                    File.Delete(temp);
                    throw;
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(archivePath, $"corrupt archive: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new DataFormatException(archivePath, $"truncated archive: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new DataFormatException(archivePath, $"corrupt tar header: {e.Message}", e);
        }
    }

    private static void CheckLength(string fileName, long length, int recordSize)
    {
        if (length == 0)
        {
            throw new DataFormatException(fileName, "file is empty");
        }

        if (length % recordSize != 0)
        {
            throw new DataFormatException(
                fileName,
                $"size {length} bytes is not a multiple of the record size {recordSize} "
                + $"({recordSize - PixelBytes} label byte(s) + {PixelBytes} pixel bytes)");
        }
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
}
