using System.Text.Json;

namespace Iau.Audit;

/// <summary>
/// The pool cache: one JSON file per model under &lt;dir&gt;/pool, written atomically (temp file, then rename), so a
/// run killed at any moment leaves only whole records, and a rerun computes only what is missing.
/// </summary>
public sealed class PoolStore
{
    // Named literals: a diverged model's confidences are NaN or ±∞ (scored as diverged, see ForgettingAudit.ScorePool).
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>A store in <paramref name="outDir"/>/pool.</summary>
    public PoolStore(string outDir)
    {
        Directory = Path.Combine(outDir, "pool");
        System.IO.Directory.CreateDirectory(Directory);
        System.IO.Directory.CreateDirectory(CheckpointDirectory);
    }

    /// <summary>The folder of the records.</summary>
    public string Directory { get; }

    /// <summary>The folder of the originals' checkpoints and the training state files.</summary>
    public string CheckpointDirectory => Path.Combine(Directory, "checkpoints");

    /// <summary>The record's path.</summary>
    public string PathOf(string key) => Path.Combine(Directory, key + ".json");

    /// <summary>The record of <paramref name="key"/>, or null when absent.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a record (names the file).</exception>
    public PoolRecord? TryRead(string key) => File.Exists(PathOf(key)) ? Read(PathOf(key)) : null;

    /// <summary>
    /// The record of <paramref name="key"/>, checked against the audit's forget set: one confidence per forget
    /// example, accuracies in [0, 1]. A record that does not fit (damaged, edited, or built on other data) is named
    /// with the field, instead of failing later inside the scores.
    /// </summary>
    /// <exception cref="InvalidDataException">Missing, not a record, or not fitting (names the file and field).</exception>
    public PoolRecord ReadChecked(string key, int forgetCount)
    {
        var path = PathOf(key);
        var r = TryRead(key) ?? throw new InvalidDataException($"{path}: pool record missing.");
        if (r.Confidences.Length != forgetCount)
        {
            throw new InvalidDataException(
                $"{path}: field Confidences holds {r.Confidences.Length} values, but the forget set has {forgetCount} examples (one value each); the record is damaged or from other data: delete it and run again to rebuild that model.");
        }

        foreach (var (field, value) in new[] { ("RetainAccuracy", r.RetainAccuracy), ("TestAccuracy", r.TestAccuracy), ("ForgetAccuracy", r.ForgetAccuracy) })
        {
            if (!(value is >= 0 and <= 1))
            {
                throw new InvalidDataException(
                    $"{path}: field {field} is {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}, not an accuracy in [0, 1]; the record is damaged: delete it and run again to rebuild that model.");
            }
        }

        return r;
    }

    /// <summary>Whether the record exists.</summary>
    public bool Has(string key) => File.Exists(PathOf(key));

    /// <summary>Writes a record atomically.</summary>
    public void Write(PoolRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var path = PathOf(record.Key);
        var tmp = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(record, Json));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads one record file.</summary>
    /// <exception cref="InvalidDataException">Not a record (names the file).</exception>
    public static PoolRecord Read(string path)
    {
        try
        {
            var r = JsonSerializer.Deserialize<PoolRecord>(File.ReadAllText(path), Json);
            if (r?.Key is null || r.Confidences is null || Path.GetFileNameWithoutExtension(path) != r.Key)
            {
                throw new InvalidDataException($"{path}: not a pool record (key missing or not the file name).");
            }

            return r;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a pool record ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Copies the records of other audit folders (e.g. the shards of a Slurm array) into this store. A record
    /// already here must be identical to the incoming one; returns the number of records copied.
    /// </summary>
    /// <exception cref="InvalidDataException">A record is unreadable, or two shards disagree on a key (both named).</exception>
    public int Merge(IEnumerable<string> outDirs)
    {
        ArgumentNullException.ThrowIfNull(outDirs);
        var copied = 0;
        foreach (var dir in outDirs)
        {
            var pool = Path.Combine(dir, "pool");
            if (!System.IO.Directory.Exists(pool))
            {
                throw new DirectoryNotFoundException($"{dir}: no pool/ folder (not an audit output folder).");
            }

            foreach (var file in System.IO.Directory.EnumerateFiles(pool, "*.json").Order(StringComparer.Ordinal))
            {
                var incoming = Read(file);
                var mine = TryRead(incoming.Key);
                if (mine is null)
                {
                    Write(incoming);
                    copied++;
                }
                else if (!mine.Confidences.SequenceEqual(incoming.Confidences))
                {
                    throw new InvalidDataException($"{file}: disagrees with {PathOf(incoming.Key)} on the same key (different builds or data?).");
                }
            }
        }

        return copied;
    }
}
