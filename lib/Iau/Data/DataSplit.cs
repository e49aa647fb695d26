using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Iau.Data;

/// <summary>How the forget set is chosen.</summary>
public enum ForgetMode
{
    /// <summary>A seeded random fraction of the training split.</summary>
    Ratio,

    /// <summary>Every training-split sample of one class (class-wise forgetting).</summary>
    Class,

    /// <summary>Indices the user gives (into the official training set).</summary>
    Indices,
}

/// <summary>A forget request: which training samples to unlearn.</summary>
/// <param name="Mode">How they are chosen.</param>
/// <param name="Ratio">Fraction of the training split (Ratio mode), in (0, 1).</param>
/// <param name="Class">The class to forget (Class mode).</param>
/// <param name="Seed">Seed of the random choice (Ratio mode).</param>
/// <param name="Indices">Indices into the official training set (Indices mode).</param>
public sealed record ForgetRequest(ForgetMode Mode, double? Ratio = null, int? Class = null, int Seed = 0, IReadOnlyList<int>? Indices = null)
{
    /// <summary>The paper's default: a random 5% of the training split.</summary>
    public static ForgetRequest Default { get; } = ByRatio(0.05, 0);

    /// <summary>A seeded random fraction of the training split.</summary>
    public static ForgetRequest ByRatio(double ratio, int seed) => new(ForgetMode.Ratio, Ratio: ratio, Seed: seed);

    /// <summary>All training-split samples of class <paramref name="k"/>.</summary>
    public static ForgetRequest ByClass(int k) => new(ForgetMode.Class, Class: k);

    /// <summary>Explicit indices into the official training set.</summary>
    public static ForgetRequest FromIndices(IReadOnlyList<int> indices) => new(ForgetMode.Indices, Indices: indices);

    /// <summary>
    /// Reads forget indices from a file: a JSON array of integers, or plain text with integers separated by
    /// whitespace, commas or newlines ('#' starts a comment).
    /// </summary>
    /// <exception cref="DataFormatException">The file is missing or holds something that is not an integer; names the file and line.</exception>
    public static ForgetRequest FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "forget-indices file not found.");
        }

        var text = File.ReadAllText(path);
        if (text.TrimStart().StartsWith('['))
        {
            try
            {
                return FromIndices(JsonSerializer.Deserialize<int[]>(text) ?? []);
            }
            catch (JsonException e)
            {
                throw new DataFormatException(path, $"not a JSON array of integers: {e.Message}", e);
            }
        }

        var result = new List<int>();
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Split('#')[0];
            foreach (var tok in line.Split([' ', '\t', ',', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(tok, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
                {
                    throw new DataFormatException(path, $"line {lineNo}: '{tok}' is not an integer index.");
                }

                result.Add(v);
            }
        }

        return FromIndices(result);
    }
}

/// <summary>Options of <see cref="DataSplit.Create(LoadedDataset, SplitOptions)"/>.</summary>
/// <param name="Seed">Seed of the train/valid shuffle.</param>
/// <param name="ValidFraction">Fraction of the official training set held out for validation (paper: 0.2).</param>
/// <param name="Forget">The forget request (paper default: random 5% of train).</param>
public sealed record SplitOptions(int Seed = 0, double ValidFraction = 0.2, ForgetRequest? Forget = null);

/// <summary>
/// A reproducible split, as in the paper's code: the official training set shuffled with a seed and cut
/// into train (80%) and valid (20%); the official test set as test; a forget set inside train; retain =
/// train minus forget. All indices refer to rows of the official training set. Saved as JSON with the
/// dataset's fingerprint so it reloads only against the same data.
/// </summary>
public sealed record DataSplit(
    string Dataset,
    string Fingerprint,
    int OfficialTrainCount,
    int TestCount,
    int Seed,
    double ValidFraction,
    int[] Train,
    int[] Valid,
    ForgetMode ForgetMode,
    double? ForgetRatio,
    int? ForgetClass,
    int ForgetSeed,
    int[] Forget)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Train minus forget, in train order.</summary>
    [JsonIgnore]
    public int[] Retain
    {
        get
        {
            var f = Forget.ToHashSet();
            return Train.Where(i => !f.Contains(i)).ToArray();
        }
    }

    /// <summary>
    /// SHA-256 (16 hex chars) of the dataset fingerprint and the train/valid indices: what a model trained on
    /// this split depends on (the forget set does not enter; checkpoints record this).
    /// </summary>
    [JsonIgnore]
    public string TrainingFingerprint
    {
        get
        {
            using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            h.AppendData(System.Text.Encoding.UTF8.GetBytes(Dataset + "/" + Fingerprint));
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Train.AsSpan()));
            h.AppendData(BitConverter.GetBytes(-1));
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Valid.AsSpan()));
            return Convert.ToHexStringLower(h.GetHashAndReset())[..16];
        }
    }

    /// <summary>
    /// The same split restricted to the first <paramref name="train"/> training and <paramref name="valid"/>
    /// validation rows (for quick runs); the forget set is re-chosen inside the smaller train by the same request.
    /// With <paramref name="requireForget"/> false (training, which does not use the forget set), a request the
    /// smaller train cannot satisfy gives an empty forget set instead of an error.
    /// </summary>
    public DataSplit Limit(int train, int valid, IReadOnlyList<int> trainLabels, int classes, bool requireForget = true)
    {
        if (train < 2 || valid < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(train), "A limited split needs at least 2 training and 1 validation samples.");
        }

        var limited = this with { Train = Train[..Math.Min(train, Train.Length)], Valid = Valid[..Math.Min(valid, Valid.Length)] };
        var request = ForgetMode switch
        {
            ForgetMode.Ratio => ForgetRequest.ByRatio(ForgetRatio!.Value, ForgetSeed),
            ForgetMode.Class => ForgetRequest.ByClass(ForgetClass!.Value),
            _ => ForgetRequest.FromIndices(Forget.Where(limited.Train.Contains).ToArray()),
        };
        try
        {
            return limited.WithForget(request, trainLabels, classes);
        }
        catch (ArgumentException) when (!requireForget)
        {
            return limited with { Forget = [] };
        }
    }

    /// <summary>
    /// The split every experiment, the tuner and the audit make: the paper's 20% of the official training set for
    /// validation, then, with <paramref name="trainLimit"/> n, the first n training and n/4 validation rows (the
    /// forget set re-chosen inside them by the same request).
    /// </summary>
    public static DataSplit Standard(LoadedDataset data, int seed, ForgetRequest forget, int? trainLimit)
    {
        ArgumentNullException.ThrowIfNull(data);
        var split = Create(data, new SplitOptions(seed, 0.2, forget));
        return trainLimit is int n ? split.Limit(n, Math.Max(1, n / 4), data.Train.Labels, data.Info.Classes) : split;
    }

    /// <summary>Makes the split of a loaded dataset.</summary>
    public static DataSplit Create(LoadedDataset data, SplitOptions options) =>
        Create(data.Info.Name, data.Fingerprint, data.Train.Labels, data.Test.Count, data.Info.Classes, options);

    /// <summary>Makes a split from the official training labels alone.</summary>
    /// <exception cref="ArgumentException">A fraction, class or index is invalid; the message names it.</exception>
    public static DataSplit Create(string dataset, string fingerprint, IReadOnlyList<int> trainLabels, int testCount, int classes, SplitOptions options)
    {
        var n = trainLabels.Count;
        if (options.ValidFraction is <= 0 or >= 1)
        {
            throw new ArgumentException($"Validation fraction {options.ValidFraction} must lie in (0, 1).", nameof(options));
        }

        var perm = TensorData.Permutation(n, options.Seed);
        var validCount = (int)Math.Round(n * options.ValidFraction);
        var train = perm[validCount..];
        var valid = perm[..validCount];
        Array.Sort(train);
        Array.Sort(valid);
        var forgetRequest = options.Forget ?? ForgetRequest.Default;
        var forget = ChooseForget(forgetRequest, train, valid, trainLabels, n, classes);
        return new DataSplit(dataset, fingerprint, n, testCount, options.Seed, options.ValidFraction, train, valid,
            forgetRequest.Mode, forgetRequest.Ratio, forgetRequest.Class, forgetRequest.Seed, forget);
    }

    /// <summary>The same train/valid split with another forget set.</summary>
    public DataSplit WithForget(ForgetRequest request, IReadOnlyList<int> trainLabels, int classes) =>
        this with
        {
            ForgetMode = request.Mode,
            ForgetRatio = request.Ratio,
            ForgetClass = request.Class,
            ForgetSeed = request.Seed,
            Forget = ChooseForget(request, Train, Valid, trainLabels, OfficialTrainCount, classes),
        };

    private static int[] ChooseForget(ForgetRequest r, int[] train, int[] valid, IReadOnlyList<int> labels, int n, int classes)
    {
        var forget = ChooseForgetRows(r, train, valid, labels, n, classes);
        if (forget.Length >= train.Length)
        {
            var what = r.Mode switch
            {
                ForgetMode.Ratio => $"forget ratio {r.Ratio}",
                ForgetMode.Class => $"forget class {r.Class}",
                _ => "the forget indices",
            };
            throw new ArgumentException($"The forget set ({what}) takes all {train.Length} training samples and leaves no retain set; forget fewer.");
        }

        return forget;
    }

    private static int[] ChooseForgetRows(ForgetRequest r, int[] train, int[] valid, IReadOnlyList<int> labels, int n, int classes)
    {
        switch (r.Mode)
        {
            case ForgetMode.Ratio:
                {
                    var ratio = r.Ratio ?? throw new ArgumentException("Ratio mode needs a forget ratio.");
                    if (ratio is <= 0 or >= 1)
                    {
                        throw new ArgumentException($"Forget ratio {ratio} must lie in (0, 1).");
                    }

                    var k = (int)Math.Round(train.Length * ratio);
                    if (k < 1)
                    {
                        throw new ArgumentException($"Forget ratio {ratio} of {train.Length} training samples selects none.");
                    }

                    var order = TensorData.Permutation(train.Length, r.Seed);
                    var chosen = order[..k].Select(i => train[i]).ToArray();
                    Array.Sort(chosen);
                    return chosen;
                }

            case ForgetMode.Class:
                {
                    var c = r.Class ?? throw new ArgumentException("Class mode needs a class.");
                    if (c < 0 || c >= classes)
                    {
                        throw new ArgumentException($"Forget class {c} is outside [0, {classes}).");
                    }

                    var chosen = train.Where(i => labels[i] == c).ToArray();
                    return chosen.Length > 0
                        ? chosen
                        : throw new ArgumentException($"Class {c} has no samples in the training split.");
                }

            case ForgetMode.Indices:
                return ValidateIndices(r.Indices ?? [], train, n, valid);

            default:
                throw new ArgumentOutOfRangeException(nameof(r), r.Mode, "Unknown forget mode.");
        }
    }

    /// <summary>Checks user-given forget indices: non-empty, in range, no duplicates, all in the training split.</summary>
    internal static int[] ValidateIndices(IReadOnlyList<int> indices, int[] train, int n, int[]? valid = null)
    {
        if (indices.Count == 0)
        {
            throw new ArgumentException("The forget set is empty: give at least one index.");
        }

        static string Few(IEnumerable<int> xs)
        {
            var list = xs.Take(11).ToList();
            return string.Join(", ", list.Take(10)) + (list.Count > 10 ? ", …" : string.Empty);
        }

        var outOfRange = indices.Where(i => i < 0 || i >= n).ToList();
        if (outOfRange.Count > 0)
        {
            throw new ArgumentException(
                $"{outOfRange.Count} forget indices are outside the official training set [0, {n}): {Few(outOfRange)}.");
        }

        var dups = indices.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (dups.Count > 0)
        {
            throw new ArgumentException($"{dups.Count} forget indices appear more than once: {Few(dups)}.");
        }

        var inTrain = train.ToHashSet();
        var notTrain = indices.Where(i => !inTrain.Contains(i)).ToList();
        if (notTrain.Count > 0)
        {
            // Validation samples, or (in a split limited to a subset, e.g. --limit) training samples outside the subset.
            var inValid = valid?.ToHashSet() ?? [];
            var isValid = notTrain.Where(inValid.Contains).ToList();
            var outside = notTrain.Where(i => !inValid.Contains(i)).ToList();
            var parts = new List<string>();
            if (isValid.Count > 0)
            {
                parts.Add($"{isValid.Count} are validation samples ({Few(isValid)})");
            }

            if (outside.Count > 0)
            {
                parts.Add(valid is null
                    ? $"{outside.Count} are validation samples or outside the split's {train.Length} training samples ({Few(outside)})"
                    : $"{outside.Count} are outside this split's {train.Length} training samples, which cover only part of the official training set " +
                      $"(e.g. a --limit run) ({Few(outside)})");
            }

            throw new ArgumentException($"{notTrain.Count} forget indices are not in the training split: {string.Join("; ", parts)}.");
        }

        var result = indices.ToArray();
        Array.Sort(result);
        return result;
    }

    /// <summary>Writes the split as JSON, atomically (temporary file, then rename).</summary>
    public void Save(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        Runtime.TempFiles.CleanStale(full);
        var tmp = Runtime.TempFiles.For(full);
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json));
        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>Reads a split saved by <see cref="Save"/>; with a dataset given, checks it was made from the same data.</summary>
    /// <exception cref="DataFormatException">The file is missing, not a split, inconsistent, or made from other data.</exception>
    public static DataSplit Load(string path, LoadedDataset? expected = null)
    {
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "split file not found.");
        }

        DataSplit? s;
        try
        {
            s = JsonSerializer.Deserialize<DataSplit>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, $"not a valid split file: {e.Message}", e);
        }

        if (s is null || s.Train is null || s.Valid is null || s.Forget is null || s.Dataset is null || s.Fingerprint is null)
        {
            throw new DataFormatException(path, "not a valid split file: fields dataset, fingerprint, train, valid, forget are required.");
        }

        foreach (var (field, rows) in new[] { ("train", s.Train), ("valid", s.Valid), ("forget", s.Forget) })
        {
            var dups = rows.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).Take(6).ToList();
            if (dups.Count > 0)
            {
                throw new DataFormatException(path, $"inconsistent split: {field} lists an index more than once ({string.Join(", ", dups.Take(5))}{(dups.Count > 5 ? ", …" : "")}).");
            }
        }

        if (s.Train.Length > 0 && s.Forget.Length >= s.Train.Length)
        {
            throw new DataFormatException(path, $"inconsistent split: the forget set takes all {s.Train.Length} training samples and leaves no retain set.");
        }

        if (s.Train.Concat(s.Valid).Any(i => i < 0 || i >= s.OfficialTrainCount)
            || s.Train.Intersect(s.Valid).Any()
            || s.Forget.Except(s.Train).Any())
        {
            throw new DataFormatException(path, "inconsistent split: indices out of range, train and valid overlap, or forget not inside train.");
        }

        if (expected is not null && (expected.Info.Name != s.Dataset || expected.Fingerprint != s.Fingerprint))
        {
            throw new DataFormatException(path,
                $"split was made for {s.Dataset} (fingerprint {s.Fingerprint}) but the data loaded is {expected.Info.Name} " +
                $"(fingerprint {expected.Fingerprint}).");
        }

        // The fingerprint says the data is the same; these fields must then agree with it (a hand-edited file may not).
        if (expected is not null && s.OfficialTrainCount != expected.Train.Count)
        {
            throw new DataFormatException(path, FormattableString.Invariant(
                $"inconsistent split: field officialTrainCount is {s.OfficialTrainCount}, but {s.Dataset} has {expected.Train.Count} training samples."));
        }

        if (expected is not null && s.TestCount != expected.Test.Count)
        {
            throw new DataFormatException(path, FormattableString.Invariant(
                $"inconsistent split: field testCount is {s.TestCount}, but {s.Dataset} has {expected.Test.Count} test samples."));
        }

        if (s.ForgetMode == ForgetMode.Class && (s.ForgetClass is not int k || k < 0 || (expected is not null && k >= expected.Info.Classes)))
        {
            throw new DataFormatException(path, FormattableString.Invariant(
                $"inconsistent split: forgetMode is Class but field forgetClass is {(s.ForgetClass?.ToString(CultureInfo.InvariantCulture) ?? "missing")}") +
                (expected is null ? "." : FormattableString.Invariant($" (classes of {s.Dataset}: 0 to {expected.Info.Classes - 1}).")));
        }

        if (s.ForgetMode == ForgetMode.Ratio && s.ForgetRatio is not (> 0 and < 1))
        {
            throw new DataFormatException(path, FormattableString.Invariant(
                $"inconsistent split: forgetMode is Ratio but field forgetRatio is {(s.ForgetRatio?.ToString(CultureInfo.InvariantCulture) ?? "missing")} (a fraction in (0, 1))."));
        }

        return s;
    }

    /// <summary>Samples per class among the given official-training rows.</summary>
    public static int[] ClassCounts(IReadOnlyList<int> labels, IEnumerable<int> rows, int classes)
    {
        var counts = new int[classes];
        foreach (var r in rows)
        {
            counts[labels[r]]++;
        }

        return counts;
    }
}
