using System.Text.Json;
using System.Text.Json.Serialization;

namespace Iau.Experiments;

/// <summary>
/// The results of a reproduction: one JSON line per <see cref="ResultRow"/> in results.jsonl. Every write
/// rewrites the file through a temporary file and a rename, so an interruption never leaves a half-written
/// store; a re-run skips the keys already present (resume). Shards write their own store
/// (results.shard-i-of-n.jsonl) and <see cref="Merge"/> joins them.
/// </summary>
public sealed class ResultsStore
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly Dictionary<string, ResultRow> rows = new(StringComparer.Ordinal);
    private readonly object gate = new();

    /// <summary>Opens (or creates) the store at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">A line is not a result row; names the file and line.</exception>
    public ResultsStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        foreach (var row in Read(Path))
        {
            rows[row.Key] = row;
        }
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
                return rows.Values.ToList();
            }
        }
    }

    /// <summary>Whether a cell with this key (and config hash) is already done.</summary>
    public bool Contains(string key, string configHash)
    {
        lock (gate)
        {
            return rows.TryGetValue(key, out var r) && r.ConfigHash == configHash;
        }
    }

    /// <summary>Adds or replaces rows and rewrites the file atomically.</summary>
    public void Add(IEnumerable<ResultRow> newRows)
    {
        lock (gate)
        {
            foreach (var r in newRows)
            {
                rows[r.Key] = r;
            }

            Write(Path, rows.Values);
        }
    }

    /// <summary>Reads a results file (empty when it does not exist).</summary>
    public static IReadOnlyList<ResultRow> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var result = new List<ResultRow>();
        var n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                result.Add(JsonSerializer.Deserialize<ResultRow>(line, Json) ?? throw new JsonException("null row"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: line {n} is not a result row: {e.Message}", e);
            }
        }

        return result;
    }

    /// <summary>Joins several stores (e.g. shards) into one file; for a key present twice, the newer row wins.</summary>
    public static int Merge(IEnumerable<string> inputs, string output)
    {
        var all = new Dictionary<string, ResultRow>(StringComparer.Ordinal);
        foreach (var path in inputs)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{path}: results file not found.", path);
            }

            foreach (var r in Read(path))
            {
                if (!all.TryGetValue(r.Key, out var existing) || existing.CreatedUtc < r.CreatedUtc)
                {
                    all[r.Key] = r;
                }
            }
        }

        Write(System.IO.Path.GetFullPath(output), all.Values);
        return all.Count;
    }

    private static void Write(string path, IEnumerable<ResultRow> rows)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var tmp = path + $".{Environment.ProcessId}.tmp";
        using (var w = new StreamWriter(tmp))
        {
            foreach (var r in rows)
            {
                w.WriteLine(JsonSerializer.Serialize(r, Json));
            }
        }

        File.Move(tmp, path, overwrite: true);
    }
}
