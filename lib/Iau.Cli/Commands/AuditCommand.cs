using Spectre.Console;
using System.CommandLine;
using System.Globalization;
using Iau.Audit;
using Iau.Data;
using Iau.Experiments;
using Iau.Reporting;
using Iau.Runtime;
using Iau.Training;
using Iau.Unlearning;

namespace Iau.Cli.Commands;

/// <summary>`iau audit`: the per-example forgetting audit against a pool of retrained models (ε-score, U-LiRA).</summary>
internal static class AuditCommand
{
    public static Command Build(CliContext ctx)
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset.", DefaultValueFactory = _ => "fashion-mnist" };
        var model = new Option<string>("--model") { Description = "Architecture.", DefaultValueFactory = _ => "lenet5" };
        var methods = new Option<string>("--methods") { Description = "Comma-separated methods (the perfect-unlearning floor, a second pool of N retrained models, is always built; \"retrain\" is that pool).", DefaultValueFactory = _ => "iau,ft,neggrad+,scrub,rl,l1sparse,random-step" };
        var pool = new Option<int?>("--pool") { Description = $"Models per pool, N (default {AuditOptions.DefaultPool}; {AuditOptions.SmokePool} under --profile smoke; {AuditOptions.PaperPool} for the paper grade; 6 to 2,048 unless IAU_UNBOUNDED=1)." };
        var profile = new Option<string?>("--profile") { Description = "smoke: N 8, 2,000 training samples, 2 epochs (checks the pipeline)." };
        var design = new Option<string>("--design") { Description = "a: one original, N method runs; b: N originals, each unlearned once (deterministic methods need b).", DefaultValueFactory = _ => "b" };
        var shard = new Option<string?>("--shard") { Description = "Build only lineages k ≡ i (mod n) (e.g. a Slurm array task); join with --merge." };
        var output = new Option<string>("--out") { Description = "Audit folder: pool/ cache, audit.md, audit.json, figures.", DefaultValueFactory = _ => Path.Combine("results", "audit") };
        var merge = new Option<string[]>("--merge") { Description = "Copy the pool records of these audit folders (shards) into --out first.", AllowMultipleArgumentsPerToken = true };
        var limit = new Option<int?>("--train-limit") { Description = "Use the first N training samples only." };
        var maxEpochs = new Option<int?>("--max-epochs") { Description = "Cap the recipe's epochs (paper: 200 with early stopping)." };
        var noEarlyStopping = new Option<bool>("--no-early-stopping") { Description = "Train originals and retrained models for all --max-epochs epochs and keep the last weights (the recipe stops on validation accuracy, patience 10, and keeps the best): the regime in which the models memorise their training set." };
        var alpha = new Option<double>("--gr-alpha") { Description = "GR α of originals and retrained models (the paper trains IAU's original with 0.005).", DefaultValueFactory = _ => TrainingOptions.PaperGrAlpha };
        var ratio = new Option<double>("--forget-ratio") { Description = "Random forget fraction.", DefaultValueFactory = _ => 0.05 };
        var seed = new Option<int>("--seed") { Description = "Seed of the forget set.", DefaultValueFactory = _ => 0 };
        var workers = new Option<int>("--workers") { Description = "Models trained at once, one thread each (0 = one per core; at most 4 per core unless IAU_UNBOUNDED=1).", DefaultValueFactory = _ => 0 };
        var option = new Option<string[]>("--option") { Description = "Method settings as method:key=value (repeatable; the method must be one of --methods), e.g. scrub:epochs=1.", AllowMultipleArgumentsPerToken = true };
        var noFigures = new Option<bool>("--no-figures") { Description = "Skip the ε figure." };
        var dataPath = new Option<string?>("--data-path") { Description = "Folder of the dataset's files (default: data/<name>, then system packages)." };
        var noVerify = new Option<bool>("--no-verify") { Description = "Do not check the files against data/manifest.json (custom files)." };
        var plan = new Option<bool>("--plan") { Description = "Build nothing: list the models still to build per kind and estimate the wall time from this machine's recorded model times (--merge is not done)." };
        var cmd = new Command("audit", "Per-example forgetting audit: pools of retrained, original and unlearned models; ε-score (NeurIPS 2023 challenge), U-LiRA, noise floors.")
        {
            dataset, model, methods, pool, profile, design, shard, output, merge, limit, maxEpochs, noEarlyStopping, alpha, ratio, seed, workers, option, noFigures, dataPath, noVerify, plan,
        };
        cmd.SetAction(parse =>
        {
            // Every option is checked, and the output folder found writable, before the data is loaded or a model built.
            var lifted = Bounds.Lifted;
            var smoke = parse.GetValue(profile) is { } p && (p == "smoke" ? true : throw new UsageException($"--profile {p}: only smoke presets the audit (use --pool for larger ones)."));
            var names = MethodList.Parse(parse.GetValue(methods)!, "--methods");
            var settings = MethodSettingsOf(parse.GetValue(option) ?? [], names);
            var n = parse.GetValue(pool) ?? (smoke ? AuditOptions.SmokePool : AuditOptions.DefaultPool);
            Bounds.Count(n, "--pool", 6, "the audit needs at least 6 models per pool (F is estimated from N models per side; smaller pools leave it mostly noise)", Bounds.MaxPool,
                FormattableString.Invariant($"at most {Bounds.MaxPool} models per pool (4 × the paper-grade {AuditOptions.PaperPool}): each model is one full training, and the pools hold 2 + |--methods| × N models"), lifted);
            Bounds.Workers(parse.GetValue(workers), "--workers", lifted);
            var chosenDesign = parse.GetValue(design)!.Trim().ToLowerInvariant() switch
            {
                "a" => PoolDesign.A,
                "b" => PoolDesign.B,
                var d => throw new UsageException($"--design {d}: expected a or b."),
            };
            if (parse.GetValue(maxEpochs) is int epochsGiven)
            {
                Bounds.Count(epochsGiven, "--max-epochs", 1, "at least one epoch", int.MaxValue, string.Empty, lifted);
            }

            if (parse.GetValue(limit) is int limitGiven)
            {
                Bounds.Count(limitGiven, "--train-limit", 8, "at least 8 training samples", int.MaxValue, string.Empty, lifted);
            }

            if (parse.GetValue(ratio) is var r && !(r > 0 && r < 1))
            {
                throw new UsageException(FormattableString.Invariant($"--forget-ratio {r}: the share of train to forget, a number in (0, 1)."));
            }

            var recipe = TrainingOptions.Paper with { GrAlpha = parse.GetValue(alpha) };
            if ((parse.GetValue(maxEpochs) ?? (smoke ? 2 : null)) is int e)
            {
                recipe = recipe with { MaxEpochs = e };
            }

            if (parse.GetValue(noEarlyStopping))
            {
                if (parse.GetValue(maxEpochs) is null)
                {
                    throw new UsageException("--no-early-stopping needs --max-epochs: without early stopping the recipe would train all 200 epochs.");
                }

                recipe = recipe with { Patience = null, RestoreBest = false };
            }

            var (index, count) = ReproduceCommand.ParseShard(parse.GetValue(shard));
            var o = new AuditOptions(
                names,
                parse.GetValue(output)!,
                parse.GetValue(dataset)!,
                parse.GetValue(model)!,
                n,
                chosenDesign,
                index,
                count,
                recipe,
                parse.GetValue(limit) ?? (smoke ? 2000 : null),
                parse.GetValue(ratio),
                parse.GetValue(seed),
                MethodOptions: settings,
                Workers: parse.GetValue(workers),
                Load: new LoadOptions(Path: parse.GetValue(dataPath), VerifyChecksums: !parse.GetValue(noVerify), Progress: ctx.DataProgress()));
            o.Validate();
            Outputs.CheckFolder(o.OutDir, "--out");
            foreach (var shardDir in parse.GetValue(merge) ?? [])
            {
                if (!Directory.Exists(Path.Combine(shardDir, "pool")))
                {
                    throw new DirectoryNotFoundException($"--merge {shardDir}: no pool/ folder there (not an audit output folder).");
                }
            }

            ctx.InitRuntime(parse, 0);
            using var data = ForgettingAudit.Prepare(o);
            if (parse.GetValue(plan))
            {
                var estimate = ForgettingAudit.Estimate(o, data);
                foreach (var row in estimate.Rows)
                {
                    ctx.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{row.Method}: {row.Pending} to build, {row.Done} done; {row.SecondsEach:F1} s each{(row.Measured ? string.Empty : " (no recorded time)")}"));
                }

                ctx.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"audit {o.OutDir}: {estimate.Pending} models to build; estimated {CellCosts.Format(estimate.WallSeconds)} on {estimate.Workers} worker(s), scores not included"));
                ctx.Console.WriteLine(estimate.Unmeasured == 0
                    ? $"every estimate comes from recorded model times ({TimingLog.Path})"
                    : string.Create(CultureInfo.InvariantCulture, $"{estimate.Unmeasured} of {estimate.Pending} models have no recorded time of their kind in {TimingLog.Path}; each counts {ForgettingAudit.UnknownSeconds} s"));
                return 0;
            }

            if (parse.GetValue(merge) is { Length: > 0 } inputs)
            {
                var copied = new PoolStore(o.OutDir).Merge(inputs);
                ctx.Console.WriteLine($"merged {copied} pool records into {o.OutDir}");
            }

            var progress = new SyncProgress<AuditProgress>(a => ctx.Error.WriteLine($"audit {a.Stage} [{a.Done}/{a.Total}] {a.Message}"));
            var before = ForgettingAudit.Estimate(o, data);
            var summary = ForgettingAudit.Run(o, data, progress, ctx.Cancellation);
            ctx.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"audit: {summary.ModelsBuilt} models built in {CellCosts.Format(summary.Seconds)}; estimated before the run {CellCosts.Format(before.WallSeconds)}{(before.Unmeasured > 0 ? $" ({before.Unmeasured} without a recorded time)" : string.Empty)}"));
            if (summary.Rows is null)
            {
                ctx.Console.WriteLine($"shard {index + 1}/{count}: {summary.ModelsBuilt} models built, {summary.ModelsCached} cached; {summary.Missing} records of other shards missing: merge with `iau audit --merge <shard folders> --out DIR`.");
                return 0;
            }

            ctx.Out.WriteLine(summary.ToMarkdown());
            if (!parse.GetValue(noFigures))
            {
                var chart = EpsilonChart.Distribution(summary.Rows, $"Per-example ε, {o.Dataset}/{o.Model}, N = {o.Pool}, design ({parse.GetValue(design)})");
                var basePath = Path.Combine(o.OutDir, "epsilon");
                FigureExport.WriteHtml(chart, basePath + ".html");
                var size = EpsilonChart.DefaultSize;
                var result = FigureExport.TryWriteImagesAsync(chart, basePath, size.WidthPixels, size.HeightPixels, new ImageExportOptions().ForPaper(), ctx.Cancellation).GetAwaiter().GetResult();
                ctx.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"figure: {basePath}.html {(result.Succeeded ? "(+ png 300 dpi, svg, pdf)" : "(" + result.Message + ")")}"));
            }

            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// --option method:key=value, grouped by method. The method must be one of --methods (an option for a method
    /// that does not run, or a misspelt one, would be ignored without a word), and no key may be given twice.
    /// </summary>
    /// <exception cref="UsageException">Malformed, for another method, or repeated.</exception>
    private static Dictionary<string, IReadOnlyList<string>> MethodSettingsOf(string[] given, string[] methods)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in given)
        {
            if (s.Split(':', 2) is not [var m, var kv] || kv.IndexOf('=', StringComparison.Ordinal) <= 0 || m.Trim().Length == 0)
            {
                throw new UsageException($"--option {s}: expected method:key=value, e.g. scrub:epochs=1.");
            }

            m = m.Trim();
            if (!UnlearningMethods.Names.Contains(m, StringComparer.OrdinalIgnoreCase))
            {
                throw new UsageException($"--option {s}: unknown method '{m}'; known: {string.Join(", ", UnlearningMethods.Names)}.");
            }

            if (!methods.Contains(m, StringComparer.OrdinalIgnoreCase))
            {
                throw new UsageException($"--option {s}: {m} is not among --methods ({string.Join(",", methods)}); add it there or drop the option.");
            }

            var key = kv[..kv.IndexOf('=', StringComparison.Ordinal)].Trim();
            var list = result.TryGetValue(m, out var l) ? l : result[m] = [];
            if (list.Any(x => x.Split('=', 2)[0].Trim().Equals(key, StringComparison.OrdinalIgnoreCase)))
            {
                throw new UsageException($"--option {m}:{key} is given more than once; give each option once.");
            }

            list.Add(kv);
        }

        // Keyed by the name as --methods spells it: the audit looks the settings up by that name.
        return methods.Where(result.ContainsKey).ToDictionary(m => m, m => (IReadOnlyList<string>)result[m], StringComparer.OrdinalIgnoreCase);
    }
}
