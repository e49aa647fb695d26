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
/// hash) is refused rather than mixed. A file that is not a journal (its first line is not a journal header) is
/// refused and left exactly as it was; a new journal is written only when its first trial finishes, so a run that
/// stops before (bad data, Ctrl+C) leaves no file behind.
/// </summary>
public sealed class TuningJournal
{
    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
    private readonly List<TrialRecord> trials;
    private string? pendingHeader;

    private TuningJournal(string path, List<TrialRecord> trials, string? pendingHeader)
    {
        Path = path;
        this.trials = trials;
        this.pendingHeader = pendingHeader;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The finished trials, in order.</summary>
    public IReadOnlyList<TrialRecord> Trials => trials;

    /// <summary>Opens the journal of <paramref name="spec"/> (created, with its header, when the first trial is appended).</summary>
    /// <exception cref="InvalidDataException">The file belongs to another search, is not a journal, or a trial line is damaged (names the file and line).</exception>
    public static TuningJournal Open(string path, TuningSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var hash = spec.Hash();
        if (!File.Exists(path))
        {
            return new TuningJournal(path, [], JsonSerializer.Serialize(new Header("header", hash, spec.Identity()), Json) + "\n");
        }

        // Nothing is written before the file is known to be a journal: the header is checked on the bytes as read.
        var text = File.ReadAllText(path, Encoding.UTF8);
        var firstEnd = text.IndexOf('\n', StringComparison.Ordinal);
        var first = firstEnd < 0 ? text : text[..firstEnd];
        Header? h;
        try
        {
            h = first.Trim().Length == 0 ? null : JsonSerializer.Deserialize<Header>(first, Json);
        }
        catch (JsonException)
        {
            h = null;
        }

        if (h is null || h.Kind != "header" || string.IsNullOrEmpty(h.Hash))
        {
            throw new InvalidDataException($"{path}: not a tuning journal (its first line is not a journal header); it was left as it was. Give another --journal.");
        }

        if (h.Hash != hash)
        {
            throw new InvalidDataException(
                $"{path}: the journal belongs to another search (hash {h.Hash}, this search {hash}); use another --journal or delete it to start over.");
        }

        if (firstEnd >= 0 && !text.EndsWith('\n'))
        {
            CutPartialLastLine(path);
            text = File.ReadAllText(path, Encoding.UTF8);
        }

        var lines = text.Split('\n');
        var list = new List<TrialRecord>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            TrialRecord? t;
            try
            {
                t = JsonSerializer.Deserialize<TrialRecord>(lines[i], Json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: line {i + 1} is not a trial record ({e.Message}); the journal is damaged: delete that line (and the ones after it) to resume, or give another --journal.", e);
            }

            if (t is null || t.Options is null || t.Metrics is null)
            {
                throw new InvalidDataException($"{path}: line {i + 1} is not a trial record (fields options and metrics are required); the journal is damaged: delete that line (and the ones after it) to resume, or give another --journal.");
            }

            if (t.Index != list.Count)
            {
                throw new InvalidDataException($"{path}: line {i + 1} holds trial {t.Index}, expected {list.Count} (field index); the journal is damaged.");
            }

            list.Add(t);
        }

        return new TuningJournal(path, list, null);
    }

    /// <summary>Appends a finished trial and flushes it to disk (the first one creates the file with its header).</summary>
    public void Append(TrialRecord trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        if (trial.Index != trials.Count)
        {
            throw new InvalidOperationException($"Trial {trial.Index} appended after {trials.Count} trials.");
        }

        if (pendingHeader is not null)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            var tmp = Path + ".tmp";
            File.WriteAllText(tmp, pendingHeader, new UTF8Encoding(false));
            File.Move(tmp, Path, overwrite: true);
            pendingHeader = null;
        }

        using (var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            // A header written without its newline (by hand) must not be joined to the first trial.
            var newline = stream.Length > 0 && LastByte(Path) != (byte)'\n' ? "\n" : string.Empty;
            var bytes = Encoding.UTF8.GetBytes(newline + JsonSerializer.Serialize(trial, Json) + "\n");
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        trials.Add(trial);
    }

    private static byte LastByte(string path)
    {
        using var read = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        read.Seek(-1, SeekOrigin.End);
        return (byte)read.ReadByte();
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
