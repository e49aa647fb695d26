using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Iau.Tuning;

/// <summary>One finished trial as the journal keeps it.</summary>
/// <param name="Index">Trial number (0 = reference defaults).</param>
/// <param name="Options">The key=value options tried.</param>
/// <param name="Metrics">Per tuning seed: TA, RA, FA, MIA_shadow of the unlearned model.</param>
/// <param name="Objective">Mean Avg Gap to Retrain over the seeds (null when rejected).</param>
/// <param name="Rejected">Whether the collapse guard (or an error) rejected it.</param>
/// <param name="Reason">Why it was rejected.</param>
/// <param name="Seconds">Wall-clock seconds of the trial (unlearning and evaluation).</param>
public sealed record TrialRecord(
    int Index,
    IReadOnlyList<string> Options,
    IReadOnlyList<IReadOnlyDictionary<string, double>> Metrics,
    double? Objective,
    bool Rejected,
    string? Reason,
    double Seconds);

/// <summary>
/// The append-only journal of a search (JSON lines): a header naming the search's hash, then one line per finished
/// trial, flushed to disk before the next trial starts. An interrupted run leaves at most a partial last line, which
/// is cut off on reopening; the same command then continues with the next trial. A journal of another search (other
/// hash) is refused rather than mixed.
/// </summary>
public sealed class TuningJournal
{
    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
    private readonly List<TrialRecord> trials;

    private TuningJournal(string path, List<TrialRecord> trials)
    {
        Path = path;
        this.trials = trials;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The finished trials, in order.</summary>
    public IReadOnlyList<TrialRecord> Trials => trials;

    /// <summary>Opens (or creates) the journal of <paramref name="spec"/>.</summary>
    /// <exception cref="InvalidDataException">The file belongs to another search, or is not a journal.</exception>
    public static TuningJournal Open(string path, TuningSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var hash = spec.Hash();
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
            var header = JsonSerializer.Serialize(new Header("header", hash, spec.Identity()), Json) + "\n";
            var tmp = path + ".tmp";
            File.WriteAllText(tmp, header, new UTF8Encoding(false));
            File.Move(tmp, path, overwrite: true);
            return new TuningJournal(path, []);
        }

        CutPartialLastLine(path);
        var lines = File.ReadAllLines(path, Encoding.UTF8).Where(l => l.Length > 0).ToList();
        Header? h;
        try
        {
            h = lines.Count == 0 ? null : JsonSerializer.Deserialize<Header>(lines[0], Json);
        }
        catch (JsonException)
        {
            h = null;
        }

        if (h is null || h.Kind != "header")
        {
            throw new InvalidDataException($"{path}: not a tuning journal (no header line).");
        }

        if (h.Hash != hash)
        {
            throw new InvalidDataException(
                $"{path}: the journal belongs to another search (hash {h.Hash}, this search {hash}); use another --journal or delete it to start over.");
        }

        var list = new List<TrialRecord>();
        for (var i = 1; i < lines.Count; i++)
        {
            var t = JsonSerializer.Deserialize<TrialRecord>(lines[i], Json)
                ?? throw new InvalidDataException($"{path}: line {i + 1} is not a trial.");
            if (t.Index != list.Count)
            {
                throw new InvalidDataException($"{path}: line {i + 1} holds trial {t.Index}, expected {list.Count}.");
            }

            list.Add(t);
        }

        return new TuningJournal(path, list);
    }

    /// <summary>Appends a finished trial and flushes it to disk.</summary>
    public void Append(TrialRecord trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        if (trial.Index != trials.Count)
        {
            throw new InvalidOperationException($"Trial {trial.Index} appended after {trials.Count} trials.");
        }

        using (var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(trial, Json) + "\n");
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        trials.Add(trial);
    }

    private static void CutPartialLastLine(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0 || bytes[^1] == (byte)'\n')
        {
            return;
        }

        var last = Array.LastIndexOf(bytes, (byte)'\n');
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.SetLength(last + 1);
    }

    private sealed record Header(
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("hash")] string Hash,
        [property: JsonPropertyName("identity")] string Identity);
}
