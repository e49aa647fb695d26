using Spectre.Console;
using System.CommandLine;
using System.Globalization;
using Iau.Audit;
using Iau.Data;
using Iau.Reporting;
using Iau.Training;

namespace Iau.Cli.Commands;

/// <summary>`iau audit`: the per-example forgetting audit against a pool of retrained models (ε-score, U-LiRA).</summary>
internal static class AuditCommand
{
    public static Command Build(CliContext ctx)
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset.", DefaultValueFactory = _ => "fashion-mnist" };
        var model = new Option<string>("--model") { Description = "Architecture.", DefaultValueFactory = _ => "lenet5" };
        var methods = new Option<string>("--methods") { Description = "Comma-separated methods (\"retrain\" gets an independent pool).", DefaultValueFactory = _ => "iau,retrain,ft,neggrad+,scrub,fisher" };
        var pool = new Option<int?>("--pool") { Description = $"Models per pool, N (default {AuditOptions.DefaultPool}; {AuditOptions.SmokePool} under --profile smoke; {AuditOptions.PaperPool} for the paper grade)." };
        var profile = new Option<string?>("--profile") { Description = "smoke: N 8, 2,000 training samples, 2 epochs (checks the pipeline)." };
        var design = new Option<string>("--design") { Description = "a: one original, N method runs; b: N originals, each unlearned once (deterministic methods need b).", DefaultValueFactory = _ => "b" };
        var shard = new Option<string?>("--shard") { Description = "Build only lineages k ≡ i (mod n) (e.g. a Slurm array task); join with --merge." };
        var output = new Option<string>("--out") { Description = "Audit folder: pool/ cache, audit.md, audit.json, figures.", DefaultValueFactory = _ => Path.Combine("results", "audit") };
        var merge = new Option<string[]>("--merge") { Description = "Copy the pool records of these audit folders (shards) into --out first.", AllowMultipleArgumentsPerToken = true };
        var limit = new Option<int?>("--train-limit") { Description = "Use the first N training samples only." };
        var maxEpochs = new Option<int?>("--max-epochs") { Description = "Cap the recipe's epochs (paper: 200 with early stopping)." };
        var alpha = new Option<double>("--gr-alpha") { Description = "GR α of originals and retrained models (the paper trains IAU's original with 0.005).", DefaultValueFactory = _ => TrainingOptions.PaperGrAlpha };
        var ratio = new Option<double>("--forget-ratio") { Description = "Random forget fraction.", DefaultValueFactory = _ => 0.05 };
        var seed = new Option<int>("--seed") { Description = "Seed of the forget set.", DefaultValueFactory = _ => 0 };
        var workers = new Option<int>("--workers") { Description = "Models trained at once, one thread each (0 = one per core).", DefaultValueFactory = _ => 0 };
        var option = new Option<string[]>("--option") { Description = "Method settings as method:key=value (repeatable), e.g. scrub:epochs=1.", AllowMultipleArgumentsPerToken = true };
        var noFigures = new Option<bool>("--no-figures") { Description = "Skip the ε figure." };
        var dataPath = new Option<string?>("--data-path") { Description = "Folder of the dataset's files (default: data/<name>, then system packages)." };
        var noVerify = new Option<bool>("--no-verify") { Description = "Do not check the files against data/manifest.json (custom files)." };
        var cmd = new Command("audit", "Per-example forgetting audit: pools of retrained, original and unlearned models; ε-score (NeurIPS 2023 challenge), U-LiRA, noise floors.")
        {
            dataset, model, methods, pool, profile, design, shard, output, merge, limit, maxEpochs, alpha, ratio, seed, workers, option, noFigures, dataPath, noVerify,
        };
        cmd.SetAction(parse =>
        {
            ctx.InitRuntime(parse, 0);
            var smoke = parse.GetValue(profile) is { } p && (p == "smoke" ? true : throw new ArgumentException($"--profile {p}: only smoke presets the audit (use --pool for larger ones)."));
            var recipe = TrainingOptions.Paper with { GrAlpha = parse.GetValue(alpha) };
            if ((parse.GetValue(maxEpochs) ?? (smoke ? 2 : null)) is int e)
            {
                recipe = recipe with { MaxEpochs = e };
            }

            var (index, count) = ReproduceCommand.ParseShard(parse.GetValue(shard));
            var names = parse.GetValue(methods)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var settings = (parse.GetValue(option) ?? [])
                .Select(s => s.Split(':', 2) is [var m, var kv] ? (m, kv) : throw new ArgumentException($"--option {s}: expected method:key=value."))
                .GroupBy(x => x.m, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(x => x.kv).ToList(), StringComparer.OrdinalIgnoreCase);
            var o = new AuditOptions(
                names,
                parse.GetValue(output)!,
                parse.GetValue(dataset)!,
                parse.GetValue(model)!,
                parse.GetValue(pool) ?? (smoke ? AuditOptions.SmokePool : AuditOptions.DefaultPool),
                parse.GetValue(design)!.Trim().ToLowerInvariant() switch
                {
                    "a" => PoolDesign.A,
                    "b" => PoolDesign.B,
                    var d => throw new ArgumentException($"--design {d}: expected a or b."),
                },
                index,
                count,
                recipe,
                parse.GetValue(limit) ?? (smoke ? 2000 : null),
                parse.GetValue(ratio),
                parse.GetValue(seed),
                MethodOptions: settings,
                Workers: parse.GetValue(workers),
                Load: new LoadOptions(Path: parse.GetValue(dataPath), VerifyChecksums: !parse.GetValue(noVerify), Progress: ctx.DataProgress()));
            if (parse.GetValue(merge) is { Length: > 0 } inputs)
            {
                var copied = new PoolStore(o.OutDir).Merge(inputs);
                ctx.Console.WriteLine($"merged {copied} pool records into {o.OutDir}");
            }

            var progress = new SyncProgress<AuditProgress>(a => ctx.Error.WriteLine($"audit {a.Stage} [{a.Done}/{a.Total}] {a.Message}"));
            var summary = ForgettingAudit.Run(o, progress, ctx.Cancellation);
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
}
