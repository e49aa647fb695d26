using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Iau.Tuning;

/// <summary>
/// A recipe file, data/recipes/&lt;dataset&gt;-&lt;model&gt;-&lt;forget&gt;.json (schema 1): per method, the chosen options,
/// the defaults, the search space, the objective of the best and of the default trial, the budget and the seeds.
/// <code>
/// {"schema":1,"kit":"…","dataset":"fashion-mnist","model":"lenet5","forget":"random-0.05","objective":"…",
///  "budget":{"trials":20,"seconds":…},"seeds":{"split":[100],"forget":[100]},
///  "methods":{"salun":{"options":["lr=…",…],"defaults":[…],"search_space":{…},"best_objective":…,
///                      "default_objective":…,"trials":N,"collapsed_all":false,"note":"…", …}}}
/// </code>
/// Writing a method keeps every other method's entry (read, replace one entry, write a temp file, rename).
/// </summary>
public static class RecipeFile
{
    /// <summary>The schema version written.</summary>
    public const int Schema = 1;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Checks, before a search starts, that its outcome can be merged into <paramref name="path"/>: absent, or a
    /// schema-1 recipe of the same dataset, model and forget set. Reads only.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not such a recipe (names the file and field).</exception>
    public static void CheckMergeable(string path, TuningSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (File.Exists(path))
        {
            CheckSetting(path, Read(path), spec);
        }
    }

    /// <summary>Merges the outcome of a search into the recipe file at <paramref name="path"/> (created if absent).</summary>
    /// <exception cref="InvalidDataException">The file is not a schema-1 recipe of the same dataset, model and forget set.</exception>
    /// <exception cref="InvalidOperationException">No trial finished: the file is left as it was (an entry without a trial would replace a tuned one).</exception>
    public static JsonObject Write(string path, TuningOutcome outcome, string kitVersion, double? maxSeconds)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var spec = outcome.Spec;
        if (outcome.Trials.Count == 0)
        {
            throw new InvalidOperationException($"{path}: no trial of {spec.Method} finished, so there is nothing to record; the recipe file was left as it was.");
        }

        var root = File.Exists(path) ? Read(path) : new JsonObject();
        CheckSetting(path, root, spec);

        var methods = root["methods"] as JsonObject ?? new JsonObject();
        root.Remove("methods");
        var fresh = new JsonObject
        {
            ["schema"] = Schema,
            ["kit"] = kitVersion,
            ["dataset"] = spec.Dataset,
            ["model"] = spec.Model,
            ["forget"] = spec.ForgetLabel,
        };
        if (spec.ForgetClass is int c)
        {
            fresh["forget_class"] = c;
        }

        fresh["objective"] = spec.Objective;
        fresh["budget"] = Budget(spec, maxSeconds);
        fresh["seeds"] = Seeds(spec);
        methods[spec.Method.ToLowerInvariant()] = Entry(outcome, maxSeconds);
        fresh["methods"] = methods;
        var tmp = path + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(tmp, fresh.ToJsonString(Indented) + "\n", new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
        return fresh;
    }

    private static void CheckSetting(string path, JsonObject root, TuningSpec spec)
    {
        foreach (var (key, expected) in new[] { ("dataset", spec.Dataset), ("model", spec.Model), ("forget", spec.ForgetLabel) })
        {
            if (root[key] is JsonNode existing && (existing is not JsonValue v || !v.TryGetValue<string>(out var found) || found != expected))
            {
                throw new InvalidDataException($"{path}: field {key} is {existing.ToJsonString()}, not '{expected}'; refusing to merge.");
            }
        }
    }

    /// <summary>Reads a recipe file.</summary>
    /// <exception cref="InvalidDataException">Not JSON, or not schema 1.</exception>
    public static JsonObject Read(string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a recipe file ({e.Message}).");
        }

        if (node is not JsonObject o || o["schema"] is not JsonValue v || !v.TryGetValue<int>(out var schema) || schema != Schema)
        {
            throw new InvalidDataException($"{path}: not a schema-{Schema} recipe file (field schema); it was left as it was.");
        }

        return o;
    }

    /// <summary>The chosen options of a method in a recipe file, or null when the file has no entry for it.</summary>
    public static IReadOnlyList<string>? Options(string path, string method)
    {
        var root = Read(path);
        return root["methods"]?[method.ToLowerInvariant()]?["options"] is JsonArray a ? a.Select(x => x!.GetValue<string>()).ToList() : null;
    }

    private static JsonObject Entry(TuningOutcome outcome, double? maxSeconds)
    {
        var spec = outcome.Spec;
        var declared = spec.Declaration();
        var searched = declared.Options.Where(o => o.Search is not null).ToList();
        var space = new JsonObject();
        foreach (var o in searched)
        {
            space[o.Key] = o.Search!.Describe();
        }

        var defaults = outcome.Defaults;
        var best = outcome.Best;
        var chosen = best is null ? spec.FixedOptions : best.Options;
        var note = outcome.CollapsedAll
            ? "every trial was rejected by the collapse guard: no setting in the searched space kept TA within the guard; the options are the reference defaults"
            : best is null
                ? "no trial finished"
                : best.Index == 0
                    ? "the reference defaults were the best trial"
                    : FormattableString.Invariant($"trial {best.Index} of {outcome.Trials.Count}");
        if (!outcome.Complete)
        {
            note += FormattableString.Invariant($"; stopped by the time limit after {outcome.Trials.Count} of {spec.Budget} trials");
        }

        var entry = new JsonObject
        {
            ["options"] = Strings(chosen),
            ["defaults"] = Strings(searched.Select(o => $"{o.Key}={o.Default}")),
            ["fixed"] = Strings(spec.FixedOptions),
            ["search_space"] = space,
            ["best_objective"] = best?.Objective,
            ["default_objective"] = defaults?.Objective,
            ["trials"] = outcome.Trials.Count,
            ["rejected"] = outcome.Trials.Count(t => t.Rejected),
            ["collapsed_all"] = outcome.CollapsedAll,
            ["note"] = note,
            ["sampler"] = FormattableString.Invariant($"seeded random search (seed {spec.SamplerSeed}); trial 0 = reference defaults"),
            ["budget"] = Budget(spec, maxSeconds),
            ["seconds_used"] = Math.Round(outcome.Seconds, 1),
            ["seeds"] = Seeds(spec),
            ["recipe"] = FormattableString.Invariant($"originals and Retrain ≤ {spec.MaxEpochs} epochs, GR α 0.005, patience 10") + (spec.TrainLimit is int n ? FormattableString.Invariant($", {n} training samples") : string.Empty),
        };
        if (defaults?.Rejected == true)
        {
            entry["default_rejected"] = defaults.Reason;
        }

        if (best is not null)
        {
            entry["best_metrics"] = Mean(best.Metrics);
        }

        if (defaults is not null && defaults.Metrics.Count > 0)
        {
            entry["default_metrics"] = Mean(defaults.Metrics);
        }

        entry["retrain_metrics"] = Mean(outcome.References.Select(r => r.Retrain).ToList());
        entry["original_ta"] = Math.Round(outcome.References.Average(r => r.OriginalTa), 4);
        return entry;
    }

    private static JsonObject Budget(TuningSpec spec, double? maxSeconds) => new()
    {
        ["trials"] = spec.Budget,
        ["seconds"] = maxSeconds,
    };

    private static JsonObject Seeds(TuningSpec spec) => new()
    {
        ["split"] = new JsonArray(spec.EffectiveSeeds.Select(s => (JsonNode?)s).ToArray()),
        ["forget"] = spec.ForgetClass is int c ? new JsonArray(c) : new JsonArray(spec.EffectiveSeeds.Select(s => (JsonNode?)s).ToArray()),
    };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)v).ToArray());

    private static JsonObject Mean(IReadOnlyList<IReadOnlyDictionary<string, double>> metrics)
    {
        var o = new JsonObject();
        foreach (var k in metrics.SelectMany(m => m.Keys).Distinct(StringComparer.Ordinal))
        {
            var values = metrics.Where(m => m.ContainsKey(k)).Select(m => m[k]).ToList();
            var mean = values.Average();
            o[k] = double.IsFinite(mean) ? Math.Round(mean, 4) : null;
        }

        return o;
    }

    /// <summary>Invariant text of a number (for notes).</summary>
    internal static string Text(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
