using System.CommandLine;
using System.Globalization;
using Iau.Data;
using Iau.Experiments;
using Iau.Reporting;
using Iau.Runtime;
using Spectre.Console;

namespace Iau.Cli.Commands;

/// <summary>`iau reproduce`, `iau results show|merge`, `iau figures`.</summary>
internal static class ReproduceCommand
{
    public static IEnumerable<Command> Build(CliContext ctx)
    {
        var profile = new Option<string>("--profile") { Description = "smoke | quick | paper | fmnist-paper.", DefaultValueFactory = _ => "quick" };
        var output = new Option<string?>("--out") { Description = "Results folder (results.jsonl and cache/); default results/<profile>, the folder the notebooks read." };
        var shard = new Option<string?>("--shard") { Description = "Run shard i/n of the cells, whole experiment-and-seed lineages each (e.g. a Slurm array task: scripts/slurm/submit); join with `iau results merge`." };
        var figures = new Option<string?>("--figures") { Description = "Where to write tables and figures (default: <out>/figures)." };
        var noFigures = new Option<bool>("--no-figures") { Description = "Only compute results." };
        var recipes = new Option<string?>("--recipes") { Description = "Folder of tuned recipes (<dataset>-<model>-<forget>.json); default data/recipes of this repository. Methods with a recipe also get \"tuned\" rows." };
        var workers = new Option<int>("--workers")
        {
            Description = "Cells run at once, one libtorch thread each (0 = one per core; 1 = one after another with --threads; at most 4 per core unless IAU_UNBOUNDED=1). A worker keeps to the cells of one experiment and seed; once none is left to start, an idle worker helps a started one.",
            DefaultValueFactory = _ => 0,
        };
        var plan = new Option<bool>("--plan") { Description = "Run nothing: list the cells still to run per experiment and estimate the wall time from this machine's recorded cell timings." };
        var reproduce = new Command("reproduce", "Run a profile's experiments (resumable), then write the summary tables and figures.") { profile, output, shard, figures, noFigures, recipes, workers, plan };
        reproduce.SetAction(parse =>
        {
            var name = parse.GetValue(profile)!;
            var p = Profiles.Find(name)
                ?? throw new UsageException($"--profile {name}: unknown; use one of {string.Join(", ", Profiles.All.Select(x => x.Name))}.");
            var (index, count) = ParseShard(parse.GetValue(shard));
            Bounds.Workers(parse.GetValue(workers), "--workers", Bounds.Lifted);
            var outDir = parse.GetValue(output) ?? Path.Combine("results", p.Name);
            Outputs.CheckFolder(outDir, "--out");
            var figuresDir = parse.GetValue(figures);
            if (figuresDir is not null)
            {
                Outputs.CheckFolder(figuresDir, "--figures");
            }

            var recipesDir = parse.GetValue(recipes);
            if (recipesDir is not null)
            {
                // A missing or mistyped folder would silently drop every tuned row.
                if (File.Exists(recipesDir))
                {
                    throw new IOException($"{recipesDir} (--recipes) is a file; give the folder of recipe files (<dataset>-<model>-<forget>.json), e.g. data/recipes.");
                }

                if (!Directory.Exists(recipesDir))
                {
                    throw new DirectoryNotFoundException($"{recipesDir} (--recipes): no such folder; give the folder of recipe files (<dataset>-<model>-<forget>.json), e.g. data/recipes.");
                }
            }
            else if (RecipeBook.Open(null).Directory is not { } found || !Directory.Exists(found))
            {
                ctx.Error.WriteLine("note: no data/recipes folder found (not inside the kit's repository): no tuned rows; give --recipes DIR to add them.");
            }

            var c = ctx.Console;
            if (parse.GetValue(plan))
            {
                var pl = Reproduction.Plan(p, new ReproductionOptions(outDir, index, count, RecipesDirectory: recipesDir, Workers: parse.GetValue(workers)));
                foreach (var (experiment, cells, seconds) in pl.PerExperiment)
                {
                    c.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{experiment}: {cells} cells, {CellCosts.Format(seconds)} of work"));
                }

                c.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"profile {p.Name}: {pl.Pending} cells to run, {pl.Done} done; estimated {CellCosts.Format(pl.WallSeconds)} on {pl.Workers} worker(s) ({CellCosts.Format(pl.CoreSeconds)} of work)"));
                c.WriteLine(pl.Unmeasured == 0
                    ? $"every estimate comes from recorded timings ({TimingLog.Path})"
                    : $"{pl.Unmeasured} of {pl.Pending} cells have no recorded timing of their kind in {TimingLog.Path}; each counts {CellCosts.UnknownSeconds} s");
                if (pl.Borrowed > 0)
                {
                    c.WriteLine($"{pl.Borrowed} of {pl.Pending} cells have recorded timings only of other settings of their experiment (another recipe, size or profile) and are estimated from those: the estimate can be far off until this profile has run once on this machine");
                }

                return 0;
            }

            ctx.InitRuntime(parse, 0);
            var o = new ReproductionOptions(outDir, index, count, new LoadOptions(Progress: ctx.DataProgress()), IauRuntime.Device, recipesDir, parse.GetValue(workers));
            c.WriteLine($"profile {p.Name}: {p.Description}");
            c.WriteLine($"results: {o.ResultsPath}" + (count > 1 ? $" (shard {index + 1}/{count})" : string.Empty)
                + (o.EffectiveWorkers > 1 ? $"; {o.EffectiveWorkers} workers, one libtorch thread each" : string.Empty));
            var summary = ctx.WithProgress("cells", ctx.Error, bar => Reproduction.Run(p, o, new SyncProgress<ReproductionProgress>(r =>
            {
                bar.Update(r.Done, r.Total, r.Cell);
                if (r.Done > 0 && !r.Skipped && r.Message != "running" && r.Total > 0)
                {
                    bar.Finished($"[{r.Done}/{r.Total}] {r.Cell}: {r.Message}");
                }
            }), ctx.Cancellation));
            c.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{summary.Cells} cells: {summary.Run} run, {summary.Skipped} done before; {summary.Seconds / 60:F1} min")
                + (summary.Run > 0 ? " (estimated beforehand from recorded timings: " + CellCosts.Format(summary.EstimatedSeconds) + ")" : string.Empty));
            if (!parse.GetValue(noFigures) && count == 1)
            {
                var dir = figuresDir ?? Path.Combine(outDir, "figures");
                ReportWriter.Write(ctx, ResultsStore.Read(summary.ResultsPath), dir);
            }

            return 0;
        });

        var results = new Command("results", "Show or merge stored results.");
        var file = new Option<string>("--results") { Description = "Results file.", DefaultValueFactory = _ => Path.Combine("results", "quick", "results.jsonl") };
        var experiment = new Option<string>("--experiment") { Description = "Which experiment's table: main | classwise | ablation | sensitivity | efficiency | sequential | convex | audit.", DefaultValueFactory = _ => "main" };
        var show = new Command("show", "Print the summary table(s) of stored results.") { file, experiment };
        show.SetAction(parse =>
        {
            var rows = ResultsStore.Read(parse.GetValue(file)!);
            if (rows.Count == 0)
            {
                throw new FileNotFoundException($"{parse.GetValue(file)}: no results (run `iau reproduce` first).");
            }

            ReportWriter.Show(ctx, rows, parse.GetValue(experiment)!);
            return 0;
        });
        var inputs = new Argument<string[]>("inputs") { Description = "Results files to join (e.g. the shards).", Arity = ArgumentArity.OneOrMore };
        var mergeOut = new Option<string>("--out")
        {
            Description = "Merged results file (required). An existing file is replaced only if every row it holds is kept: list it among the inputs to add to it.",
            Required = true,
        };
        var merge = new Command("merge", "Join results files (shards) into one.") { inputs, mergeOut };
        merge.SetAction(parse =>
        {
            Outputs.CheckFile(parse.GetValue(mergeOut)!, "--out");
            var n = ResultsStore.Merge(parse.GetValue(inputs)!, parse.GetValue(mergeOut)!);
            ctx.Console.WriteLine($"{n} rows written to {parse.GetValue(mergeOut)}");
            return 0;
        });
        var findFile = new Option<string>("--results") { Description = "Results file.", DefaultValueFactory = _ => Path.Combine("results", "quick", "results.jsonl") };
        var findings = new Command("findings", "Print, as Markdown, each setting's ranking and the sentences that interpret it (rank, IAU's place, speed-up, collapses, tuning; the stream of deletion requests), computed from the rows.") { findFile };
        findings.SetAction(parse =>
        {
            var rows = ResultsStore.Read(parse.GetValue(findFile)!);
            if (rows.Count == 0)
            {
                throw new FileNotFoundException($"{parse.GetValue(findFile)}: no results (run `iau reproduce` first).");
            }

            ctx.Out.Write(Findings.ToMarkdown(Findings.Build(rows)));
            if (StreamReading.Sentences(rows) is { Count: > 0 } stream)
            {
                ctx.Out.Write("### A stream of deletion requests (`sequential`)\n\n" + string.Join(string.Empty, stream.Select(s => $"- {s}\n")) + "\n");
            }

            return 0;
        });
        results.Subcommands.Add(show);
        results.Subcommands.Add(findings);
        results.Subcommands.Add(merge);

        var figFile = new Option<string>("--results") { Description = "Results file.", DefaultValueFactory = _ => Path.Combine("results", "quick", "results.jsonl") };
        var figOut = new Option<string>("--out") { Description = "Folder for tables and figures.", DefaultValueFactory = _ => "figures" };
        var figs = new Command("figures", "Rebuild tables (.md, .html, .tex) and figures (HTML; PNG 300 dpi, SVG, PDF with Chromium) from stored results.") { figFile, figOut };
        figs.SetAction(parse =>
        {
            Outputs.CheckFolder(parse.GetValue(figOut)!, "--out");
            var rows = ResultsStore.Read(parse.GetValue(figFile)!);
            if (rows.Count == 0)
            {
                throw new FileNotFoundException($"{parse.GetValue(figFile)}: no results (run `iau reproduce` first).");
            }

            ReportWriter.Write(ctx, rows, parse.GetValue(figOut)!, parse.GetValue(figFile));
            return 0;
        });

        return [reproduce, results, figs];
    }

    /// <summary>Parses <c>--shard i/n</c> (1 ≤ i ≤ n) into a 0-based index and a count; a bad value is a usage error.</summary>
    internal static (int Index, int Count) ParseShard(string? s)
    {
        if (s is null)
        {
            return (0, 1);
        }

        var parts = s.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var i) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var n) && n >= 1 && i >= 1 && i <= n)
        {
            return (i - 1, n);
        }

        throw new UsageException($"--shard {s}: expected i/n with 1 ≤ i ≤ n, e.g. 2/8.");
    }
}
