using System.Text.Json;
using System.Text.Json.Serialization;
using Iau.Runtime;

namespace Iau.Experiments;

/// <summary>
/// The results of a reproduction: one JSON line per <see cref="ResultRow"/> in results.jsonl. Every write
/// rewrites the file through a temporary file and a rename, so an interruption never leaves a half-written
/// store; a re-run skips the keys already present (resume). Shards write their own store
/// (results.shard-i-of-n.jsonl) and <see cref="Merge"/> joins them.
/// <para>
/// Several writers (two `iau reproduce` on one folder, in one process or several) are safe: each write takes
/// an exclusive lock on "&lt;file&gt;.lock", re-reads the file, adds its rows to what is there and renames the
/// result into place, so no writer's rows are lost; <see cref="Contains"/> re-reads a file another writer
/// changed, so finished cells are not run twice.
/// </para>
/// </summary>
public sealed class ResultsStore
{
    /// <summary>How long a writer waits for another writer's lock before giving up.</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(2);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly Dictionary<string, ResultRow> rows = new(StringComparer.Ordinal);
    private readonly object gate = new();
    private (DateTime Time, long Length) seen;

    /// <summary>Opens (or creates) the store at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">A line is not a result row; names the file and line.</exception>
    public ResultsStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Reload();
    }

    /// <summary>The store's file.</summary>
    public string Path { get; }

    /// <summary>All rows, in insertion order of their keys.</summary>
    public IReadOnlyList<ResultRow> Rows
    {
        get
        {
            lock (gate)
            {
                RefreshIfChanged();
                return rows.Values.ToList();
            }
        }
    }

    /// <summary>Whether a cell with this key (and config hash) is already done (by this or another writer).</summary>
    public bool Contains(string key, string configHash)
    {
        lock (gate)
        {
            RefreshIfChanged();
            return rows.TryGetValue(key, out var r) && r.ConfigHash == configHash;
        }
    }

    /// <summary>
    /// Adds or replaces rows and rewrites the file atomically, under the file's lock, keeping the rows other
    /// writers added since this store last read it.
    /// </summary>
    /// <exception cref="IOException">The lock is held by another writer for longer than two minutes.</exception>
    public void Add(IEnumerable<ResultRow> newRows)
    {
        lock (gate)
        {
            using (AcquireLock(Path))
            {
                Reload();
                foreach (var r in newRows)
                {
                    rows[r.Key] = r;
                }

                Write(Path, rows.Values);
                Remember();
            }
        }
    }

    /// <summary>
    /// Reads a results file (empty when it does not exist). A file holds one row per key (the kit never writes two):
    /// a file with two rows for one key (e.g. two files concatenated by hand) is refused, naming the key and both
    /// lines, since summaries would otherwise average the two rows as if they were two seeds;
    /// <see cref="Merge"/> keeps the newer of them.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is not a result row, or lacks its key, experiment, method or metrics, or repeats a key; names the file and line.</exception>
    public static IReadOnlyList<ResultRow> Read(string path) => Read(path, allowRepeatedKeys: false);

    private static IReadOnlyList<ResultRow> Read(string path, bool allowRepeatedKeys)
    {
        if (Directory.Exists(path))
        {
            throw new InvalidDataException($"{path}: is a folder; give the results file (results.jsonl).");
        }

        if (!File.Exists(path))
        {
            return [];
        }

        var result = new List<ResultRow>();
        var lineOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            ResultRow row;
            try
            {
                row = JsonSerializer.Deserialize<ResultRow>(line, Json) ?? throw new JsonException("null row");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: line {n} is not a result row: {e.Message}", e);
            }

            // Rows are grouped and resumed by these; a row without them would be dropped without a word.
            var missing = new[] { ("key", row.Key), ("experiment", row.Experiment), ("method", row.Method) }
                .Where(f => string.IsNullOrWhiteSpace(f.Item2)).Select(f => f.Item1)
                .Concat(row.Metrics is null ? ["metrics"] : [])
                .ToList();
            if (missing.Count > 0)
            {
                throw new InvalidDataException($"{path}: line {n} is a result row without {string.Join(", ", missing)}; every row needs them.");
            }

            if (!lineOf.TryAdd(row.Key, n) && !allowRepeatedKeys)
            {
                throw new InvalidDataException(
                    $"{path}: lines {lineOf[row.Key]} and {n} hold the same key {row.Key}; a results file has one row per key, and two would be averaged as if they were two seeds. " +
                    "Keep one: `iau results merge` of this file keeps the newer row (--out another file), or delete a line.");
            }

            result.Add(row);
        }

        return result;
    }

    /// <summary>
    /// Joins several stores (e.g. shards) into one file; for a key present twice (in two inputs, or twice in one),
    /// the newer row wins. An
    /// existing <paramref name="output"/> is replaced only when every row it holds is kept (it is one of the
    /// inputs, or the inputs hold all its keys): a merge never drops results.
    /// </summary>
    /// <exception cref="FileNotFoundException">An input does not exist.</exception>
    /// <exception cref="IOException">The output holds rows the merge would drop.</exception>
    public static int Merge(IEnumerable<string> inputs, string output)
    {
        var full = System.IO.Path.GetFullPath(output);
        var all = new Dictionary<string, ResultRow>(StringComparer.Ordinal);
        var list = inputs.ToList();
        foreach (var path in list)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new FileNotFoundException($"{path}: results file not found.", path);
            }

            foreach (var r in Read(path, allowRepeatedKeys: true))
            {
                if (!all.TryGetValue(r.Key, out var existing) || existing.CreatedUtc < r.CreatedUtc)
                {
                    all[r.Key] = r;
                }
            }
        }

        using (AcquireLock(full))
        {
            var dropped = Read(full, allowRepeatedKeys: true).Where(r => !all.ContainsKey(r.Key)).ToList();
            if (dropped.Count > 0)
            {
                throw new IOException(
                    $"{output} already holds {dropped.Count} rows that none of the inputs has (e.g. {dropped[0].Key}); merging would drop them. " +
                    "List it among the inputs to add to it, or give another --out.");
            }

            Write(full, all.Values);
        }

        return all.Count;
    }

    private void Reload()
    {
        rows.Clear();
        foreach (var row in Read(Path))
        {
            rows[row.Key] = row;
        }

        Remember();
    }

    private void Remember()
    {
        var info = new FileInfo(Path);
        seen = info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
    }

    private void RefreshIfChanged()
    {
        var info = new FileInfo(Path);
        if ((info.Exists ? (info.LastWriteTimeUtc, info.Length) : default) != seen)
        {
            Reload();
        }
    }

    /// <summary>An exclusive lock on "&lt;file&gt;.lock" (an OS file lock: released when the process dies, so never stale).</summary>
    private static FileStream AcquireLock(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var lockPath = path + ".lock";
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(lockPath))
            {
                Thread.Sleep(50);
            }
            catch (IOException e) when (File.Exists(lockPath))
            {
                throw new IOException($"{path}: another writer has held {lockPath} for over {LockTimeout.TotalMinutes:F0} minutes; is another `iau` still running?", e);
            }
        }
    }

    private static void Write(string path, IEnumerable<ResultRow> rows)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        TempFiles.CleanStale(path);
        var tmp = TempFiles.For(path);
        try
        {
            using (var w = new StreamWriter(tmp))
            {
                foreach (var r in rows)
                {
                    w.WriteLine(JsonSerializer.Serialize(r, Json));
                }
            }

            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }
}
