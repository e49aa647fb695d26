using System.Collections;
using System.IO.Compression;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Iau.Interop;

/// <summary>
/// Reads and writes PyTorch <c>state_dict</c> files — what <c>torch.save(model.state_dict(), path)</c> writes
/// (<c>.pt</c>, <c>.pth</c>, <c>.ckpt</c>: a zip archive holding a pickle, <c>data.pkl</c>, and one entry per
/// tensor) — through TorchSharp.PyBridge, with no Python at run time.
/// <para>
/// Reading is guarded: the pickle's opcodes are checked first (<see cref="PickleGuard"/>), so a file that refers
/// to anything but tensors and plain containers — a whole pickled model, TorchScript, a pickle that would run a
/// command under Python — is refused before anything in it is built. Then every entry must be a tensor under a
/// text key: a training checkpoint (<c>{"epoch": …, "state_dict": {…}}</c>), a list or a single tensor is refused
/// with one message saying what the file holds. PyTorch's legacy (pre-1.6, non-zip) format is refused with a
/// pointer to re-saving it.
/// </para>
/// </summary>
public static class PyTorchStateDict
{
    private static readonly byte[] ZipMagic = [0x50, 0x4b, 0x03, 0x04];

    /// <summary>The start of a legacy torch.save file: pickle protocol 2 and torch's magic number as LONG1.</summary>
    private static readonly byte[] LegacyMagic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    /// <summary>
    /// Reads a state_dict: tensors on the CPU, keyed by their PyTorch names in ordinal order (the caller disposes them).
    /// </summary>
    /// <exception cref="PyTorchFormatException">Missing, unreadable, not a state_dict, or refers to anything but tensors and plain containers.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = Open(path);
        CheckSignature(path, file);
        CheckArchive(path, file);

        using var scope = NewDisposeScope();
        Hashtable table;
        file.Position = 0;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(file, leaveOpen: true);
        }
        catch (InvalidCastException e)
        {
            throw new PyTorchFormatException(path, "holds no dictionary at its top level (a list, a tuple or a single tensor?), so it is not a state_dict; " +
                                                    "save one with torch.save(model.state_dict(), path)", e);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new PyTorchFormatException(path, $"cannot be read as a state_dict ({e.GetType().Name}: {FirstLine(e.Message)})", e);
        }

        var problems = new List<string>();
        var state = new SortedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key)
            {
                problems.Add($"a key {entry.Key} that is not text");
                continue;
            }

            if (entry.Value is Tensor t)
            {
                state[key] = t;
                continue;
            }

            problems.Add(entry.Value is IDictionary d && d.Values.Cast<object?>().Any(v => v is Tensor)
                ? $"'{key}' holds a dictionary of {d.Count} entries"
                : $"'{key}' holds {Describe(entry.Value)}");
        }

        if (problems.Count > 0)
        {
            var nested = table.Cast<DictionaryEntry>().Where(e => e.Key is string && e.Value is IDictionary d && d.Values.Cast<object?>().Any(v => v is Tensor))
                .Select(e => (string)e.Key).Order(StringComparer.Ordinal).FirstOrDefault();
            var hint = nested is not null
                ? $"it looks like a training checkpoint; save the model's own state_dict, e.g. torch.save(checkpoint['{nested}'], path)"
                : "save one with torch.save(model.state_dict(), path)";
            throw new PyTorchFormatException(path,
                $"is not a state_dict (a dictionary of named tensors): {string.Join(", ", problems.Order(StringComparer.Ordinal).Take(6))}" +
                $"{(problems.Count > 6 ? $" and {problems.Count - 6} more" : string.Empty)}; {hint}");
        }

        if (state.Count == 0)
        {
            throw new PyTorchFormatException(path, "is an empty state_dict (no tensors)");
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, t) in state)
        {
            result[key] = t.DetachFromDisposeScope();
        }

        return result;
    }

    /// <summary>
    /// Writes <paramref name="state"/> as a state_dict that <c>torch.load</c> reads (also with
    /// <c>weights_only=True</c>), in the given order: detached CPU copies of the tensors, written to a temporary file
    /// beside <paramref name="path"/> and renamed over it.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> state)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(state);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        Runtime.TempFiles.CleanStale(full);
        var temp = Runtime.TempFiles.For(full);
        using var scope = NewDisposeScope();
        var copies = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in state)
        {
            if (!copies.TryAdd(name, t.detach().cpu().contiguous().clone()))
            {
                throw new ArgumentException($"The state lists '{name}' twice.", nameof(state));
            }
        }

        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                PyTorchPickler.PickleStateDict(stream, copies, leaveOpen: true);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }

            throw;
        }
    }

    private static FileStream Open(string path)
    {
        if (Directory.Exists(path))
        {
            throw new PyTorchFormatException(path, "is a folder, not a PyTorch file");
        }

        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PyTorchFormatException(path, "file not found", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new PyTorchFormatException(path, "cannot be read: " + e.Message, e);
        }
    }

    private static void CheckSignature(string path, FileStream file)
    {
        if (file.Length == 0)
        {
            throw new PyTorchFormatException(path, "is empty (0 bytes), not a PyTorch file");
        }

        var head = new byte[Math.Min(LegacyMagic.Length, file.Length)];
        file.ReadExactly(head);
        if (head.AsSpan().StartsWith(ZipMagic))
        {
            return;
        }

        if (head.AsSpan().SequenceEqual(LegacyMagic))
        {
            throw new PyTorchFormatException(path,
                "was written in PyTorch's legacy format (before 1.6, or _use_new_zipfile_serialization=False), which the kit does not read; " +
                "re-save it with torch.save(torch.load(path), path) in PyTorch 1.6 or later");
        }

        throw new PyTorchFormatException(path, "is not a PyTorch file: torch.save writes a zip archive, and this file does not start like one");
    }

    private static void CheckArchive(string path, FileStream file)
    {
        file.Position = 0;
        try
        {
            using var archive = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);

            // The entry TorchSharp.PyBridge unpickles: the first whose name ends with data.pkl.
            var pickle = archive.Entries.FirstOrDefault(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal))
                ?? throw new PyTorchFormatException(path, "is a zip archive without a data.pkl entry, so not a file torch.save wrote");
            var byteOrder = archive.Entries.FirstOrDefault(e => e.Name == "byteorder");
            if (byteOrder is not null)
            {
                using var r = new StreamReader(byteOrder.Open());
                var order = r.ReadToEnd().Trim();
                if (order != "little")
                {
                    throw new PyTorchFormatException(path, $"stores its tensors in {order}-endian byte order; the kit reads little-endian files only");
                }
            }

            if (pickle.Length > int.MaxValue)
            {
                throw new PyTorchFormatException(path, $"has a data.pkl of {pickle.Length:N0} bytes, far more than a state_dict's");
            }

            var bytes = new byte[pickle.Length];
            using (var s = pickle.Open())
            {
                s.ReadExactly(bytes);
            }

            PickleGuard.Check(path, bytes);
        }
        catch (InvalidDataException e)
        {
            throw new PyTorchFormatException(path, "is a corrupt or truncated zip archive: " + FirstLine(e.Message), e);
        }
        catch (EndOfStreamException e)
        {
            throw new PyTorchFormatException(path, "is truncated: " + FirstLine(e.Message), e);
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        bool => "a boolean",
        string s => $"the text '{(s.Length > 40 ? s[..40] + "…" : s)}'",
        byte[] => "bytes",
        int or long or double or float or decimal or System.Numerics.BigInteger => $"the number {value}",
        IDictionary => "a dictionary",
        object[] => "a tuple",
        IList => "a list",
        _ => $"a {value.GetType().Name}",
    };

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
