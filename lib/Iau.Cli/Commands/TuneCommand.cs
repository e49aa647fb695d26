using System.CommandLine;
using System.Globalization;
using Iau.Data;
using Iau.Runtime;
using Iau.Training;
using Iau.Tuning;

namespace Iau.Cli.Commands;

/// <summary>`iau tune`: a seeded, resumable hyper-parameter search of one method against Retrain; writes a recipe.</summary>
internal static class TuneCommand
{
    public static Command Build(CliContext ctx)
    {
        var method = new Option<string>("--method") { Description = "Method to tune (its declared search space: `iau unlearn methods NAME`).", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset.", DefaultValueFactory = _ => "fashion-mnist" };
        var model = new Option<string>("--model") { Description = "Architecture.", DefaultValueFactory = _ => "lenet5" };
        var budget = new Option<int>("--budget") { Description = "Trials, trial 0 being the reference defaults (1 to 1,000 unless IAU_UNBOUNDED=1).", DefaultValueFactory = _ => 20 };
        var maxSeconds = new Option<double?>("--max-seconds") { Description = "Stop starting trials once the journal's trials took this many seconds in all (positive; at most 30 days unless IAU_UNBOUNDED=1)." };
        var ratio = new Option<double>("--forget-ratio") { Description = "Random forget share.", DefaultValueFactory = _ => 0.05 };
        var forgetClass = new Option<int?>("--forget-class") { Description = "Class-wise forgetting of this class (tune on another class than the reported one)." };
        var seeds = new Option<string>("--seeds") { Description = "Tuning split seeds, comma-separated (forget seed = split seed; the reported runs use 0,1,2).", DefaultValueFactory = _ => "100" };
        var samplerSeed = new Option<int>("--sampler-seed") { Description = "Seed of the random search.", DefaultValueFactory = _ => 0 };
        var maxEpochs = new Option<int>("--max-epochs") { Description = "Epoch cap of the original and Retrain (the quick profile's 4).", DefaultValueFactory = _ => 4 };
        var full = new Option<bool>("--full-recipe") { Description = "Originals and Retrain with the full recipe (≤ 200 epochs, early stopping) instead of the quick profile's cap." };
        var guard = new Option<double>("--guard") { Description = "Reject a trial whose TA falls more than this under the original's (a number in [0, 1]).", DefaultValueFactory = _ => 0.05 };
        var limit = new Option<int?>("--train-limit") { Description = "Use only this many training samples (smoke runs)." };
        var journal = new Option<string?>("--journal") { Description = "Journal of the trials (default results/tune/<dataset>-<model>-<forget>-<method>.jsonl); a file that is not a journal is refused, never truncated." };
        var cache = new Option<string>("--cache") { Description = "Cache of the originals, Retrain models and shadow attacks.", DefaultValueFactory = _ => Path.Combine("results", "tune", "cache") };
        var dataPath = new Option<string?>("--data-path") { Description = "Folder holding the dataset's files (default: data/<name>/, then system folders)." };
        var noVerify = new Option<bool>("--no-verify") { Description = "Skip checksum verification." };
        var fixedOpts = new Option<string[]>("--opt") { Description = "Option every trial uses, key=value (repeatable; not a searched key), e.g. the quick profile's --opt iterations=20 for iu.", AllowMultipleArgumentsPerToken = false };
        var recipes = new Option<string>("--recipes") { Description = "Folder of the recipe files.", DefaultValueFactory = _ => Path.Combine("data", "recipes") };
        var cmd = new Command("tune", "Seeded, resumable hyper-parameter search of a method against Retrain on a tuning split; writes data/recipes/<dataset>-<model>-<forget>.json.")
        {
            method, dataset, model, fixedOpts, budget, maxSeconds, ratio, forgetClass, seeds, samplerSeed, maxEpochs, full, guard, limit, journal, cache, recipes, dataPath, noVerify,
        };
        cmd.SetAction(parse =>
        {
            // Every option is checked, and every output found writable, before anything is written or trained.
            var lifted = Bounds.Lifted;
            Bounds.Count(parse.GetValue(budget), "--budget", 1, "at least one trial is needed (trial 0 runs the reference defaults)", Bounds.MaxTrials,
                FormattableString.Invariant($"at most {Bounds.MaxTrials} trials (the recipes use 20): each trial runs the method on every tuning seed"), lifted);
            var seconds = parse.GetValue(maxSeconds);
            Bounds.Seconds(seconds, "--max-seconds", lifted);
            Bounds.InRange(parse.GetValue(guard), "--guard", 0, 1, "the largest TA drop a trial may show before it is rejected as collapsed");
            if (parse.GetValue(forgetClass) is null && parse.GetValue(ratio) is var r && !(r > 0 && r < 1))
            {
                throw new UsageException(FormattableString.Invariant($"--forget-ratio {r}: the share of train to forget, a number in (0, 1)."));
            }

            Bounds.Count(parse.GetValue(maxEpochs), "--max-epochs", 1, "at least one epoch", int.MaxValue, string.Empty, lifted);
            if (parse.GetValue(limit) is int n)
            {
                Bounds.Count(n, "--train-limit", 8, "at least 8 training samples", int.MaxValue, string.Empty, lifted);
            }

            var methodName = MethodList.Parse(parse.GetValue(method)!, "--method") is [var single] ? single
                : throw new UsageException($"--method {parse.GetValue(method)}: tune one method at a time.");
            var spec = new TuningSpec(
                methodName,
                parse.GetValue(dataset)!,
                parse.GetValue(model)!,
                parse.GetValue(ratio),
                parse.GetValue(forgetClass),
                ParseSeeds(parse.GetValue(seeds)!),
                parse.GetValue(budget),
                parse.GetValue(samplerSeed),
                parse.GetValue(full) ? TrainingOptions.Paper.MaxEpochs : parse.GetValue(maxEpochs),
                parse.GetValue(guard),
                parse.GetValue(limit),
                parse.GetValue(fixedOpts) is { Length: > 0 } f ? f : null);
            spec.CheckFixed();

            var journalPath = parse.GetValue(journal) ?? Path.Combine("results", "tune", $"{Path.GetFileNameWithoutExtension(spec.RecipeFileName)}-{spec.Method}.jsonl");
            var recipesDir = parse.GetValue(recipes)!;
            var cacheDir = parse.GetValue(cache)!;
            Outputs.CheckFile(journalPath, "--journal");
            Outputs.CheckFolder(recipesDir, "--recipes");
            Outputs.CheckFolder(cacheDir, "--cache");
            var path = Path.Combine(recipesDir, spec.RecipeFileName);
            Outputs.NotInput(journalPath, "--journal", [(path, "the recipe file")]);
            RecipeFile.CheckMergeable(path, spec);
            var j = TuningJournal.Open(journalPath, spec);

            ctx.InitRuntime(parse, parse.GetValue(samplerSeed));
            ctx.Out.WriteLine($"tuning {spec.Method} on {spec.Dataset}/{spec.Model} ({spec.ForgetLabel}), seeds {string.Join(',', spec.EffectiveSeeds)}, budget {spec.Budget} trials" +
                (spec.FixedOptions.Count > 0 ? ", fixed " + string.Join(' ', spec.FixedOptions) : string.Empty) +
                (seconds is double s ? string.Create(CultureInfo.InvariantCulture, $", {s:F0} s") : string.Empty) + $"; seeded random search (sampler seed {spec.SamplerSeed}); journal {journalPath}");
            var progress = new SyncProgress<TuningProgress>(p => ctx.Error.WriteLine(p.Trial > 0 ? $"[{p.Trial}/{p.Budget}] {p.Message}" : p.Message));
            using var bench = new TuningBench(spec, cacheDir, new LoadOptions(Path: parse.GetValue(dataPath), VerifyChecksums: !parse.GetValue(noVerify), Progress: ctx.DataProgress()), IauRuntime.Device, progress);
            var outcome = Tuner.Run(spec, bench, j, seconds, progress, ctx.Cancellation);
            RecipeFile.Write(path, outcome, Checkpoint.KitVersion, seconds);
            var best = outcome.Best;
            ctx.Out.WriteLine(FormattableString.Invariant(
                $"{outcome.Trials.Count} trials ({outcome.Trials.Count(t => t.Rejected)} rejected), {outcome.Seconds:F0} s; defaults: {Objective(outcome.Defaults)}; best: {Objective(best)}") +
                (best is { Index: > 0 } ? " with " + string.Join(' ', best.Options) : string.Empty));
            ctx.Out.WriteLine($"recipe: {path}");
            return 0;
        });
        return cmd;
    }

    private static string Objective(TrialRecord? t) =>
        t is null ? "none" : t.Rejected ? "rejected (" + t.Reason + ")" : string.Create(CultureInfo.InvariantCulture, $"AvgGap {t.Objective:F4}");

    /// <summary>--seeds: one or more distinct integers, comma-separated; anything else is a usage error.</summary>
    private static int[] ParseSeeds(string text)
    {
        var seeds = text.Split(',', StringSplitOptions.TrimEntries)
            .Select(t => t.Length == 0 ? throw new UsageException($"--seeds '{text}': empty seed; give one or more integers, comma-separated (e.g. --seeds 100,101).")
                : int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
                : throw new UsageException($"--seeds '{text}': '{t}' is not an integer."))
            .ToArray();
        var repeated = seeds.GroupBy(x => x).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        return repeated.Count > 0
            ? throw new UsageException($"--seeds '{text}': seed {repeated[0]} given more than once (the objective would count it twice).")
            : seeds;
    }
}
