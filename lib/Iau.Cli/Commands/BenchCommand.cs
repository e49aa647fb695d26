using System.CommandLine;
using System.Globalization;
using System.Text;
using Iau.Cli.Infrastructure;
using Iau.Data;
using Iau.Experiments;
using Iau.Runtime;
using Iau.Training;
using Iau.Unlearning;
using Spectre.Console;

namespace Iau.Cli.Commands;

/// <summary>`iau bench train` and `iau bench unlearn`: speed and memory, printed as tables (optionally Markdown).</summary>
internal static class BenchCommand
{
    public static Command Build(CliContext ctx)
    {
        var bench = new Command("bench", "Measure speed and memory (results go to environment.md, never into tests).");
        var markdown = new Option<string?>("--markdown") { Description = "Also write the table as Markdown to this file." };

        var samples = new Option<int>("--samples") { Description = "Training samples per throughput measurement.", DefaultValueFactory = _ => 12_800 };
        var poolWorkers = new Option<int>("--pool-workers") { Description = "Models side by side in the pool measurement (0 = one per core).", DefaultValueFactory = _ => 0 };
        var poolOnly = new Option<bool>("--pool-only") { Description = "Only the pool measurement." };
        var train = new Command("train", "Samples/s of plain and GR training of LeNet5 on Fashion-MNIST (batch 64), evaluation samples/s, peak memory, and a pool of models side by side (one thread each) against one at a time.") { samples, markdown, poolWorkers, poolOnly };
        train.SetAction(parse =>
        {
            Bounds.Workers(parse.GetValue(poolWorkers), "--pool-workers", Bounds.Lifted);
            CheckMarkdown(parse.GetValue(markdown));
            var rt = ctx.InitRuntime(parse, 0);
            var data = DatasetLoader.Load("fashion-mnist", new LoadOptions(AllowDownload: false, Progress: ctx.DataProgress()));
            using var tensors = SplitData.Create(data, DataSplit.Create(data, new SplitOptions()), IauRuntime.Device);
            var rows = (parse.GetValue(poolOnly) ? [] : Benchmarks.Train(tensors, "lenet5", parse.GetValue(samples), 3, Log(ctx)))
                .Concat(PoolBenchmarks.Train(tensors, "lenet5", parse.GetValue(samples), parse.GetValue(poolWorkers), 3, Log(ctx))).ToList();
            Print(ctx, rt, "iau bench train", rows, parse.GetValue(markdown));
            return 0;
        });
        bench.Subcommands.Add(train);

        var model = new Option<string?>("--model") { Description = "GR-trained checkpoint to unlearn from (default: train LeNet5 with GR α=0.005 first)." };
        var epochs = new Option<int>("--train-epochs") { Description = "Epochs of the GR training when no --model is given.", DefaultValueFactory = _ => 3 };
        var methods = new Option<string>("--methods") { Description = "Comma-separated methods, or 'all'.", DefaultValueFactory = _ => "all" };
        var retrainEpochs = new Option<int?>("--retrain-max-epochs") { Description = "Cap Retrain's epochs (default: the paper's 200, with early stopping, patience 10)." };
        var unlearn = new Command("unlearn", "Seconds of each method's unlearning step on Fashion-MNIST/LeNet5 (GR-trained, 5% forget), one epoch, Retrain, peak memory.")
        {
            model, epochs, methods, retrainEpochs, markdown,
        };
        unlearn.SetAction(parse =>
        {
            CheckMarkdown(parse.GetValue(markdown));

            // Named methods are checked before the benchmark trains its model (minutes); 'all' needs the model.
            var isAll = parse.GetValue(methods)!.Trim().Equals("all", StringComparison.OrdinalIgnoreCase);
            var given = isAll ? null : MethodList.Parse(parse.GetValue(methods)!, "--methods");
            var rt = ctx.InitRuntime(parse, 0);
            var ckpt = parse.GetValue(model);
            if (ckpt is null)
            {
                ckpt = Path.Combine(Path.GetTempPath(), $"iau-bench-{Environment.ProcessId}.ckpt");
                var data = DatasetLoader.Load("fashion-mnist", new LoadOptions(AllowDownload: false, Progress: ctx.DataProgress()));
                using var tensors = SplitData.Create(data, DataSplit.Create(data, new SplitOptions()), IauRuntime.Device);
                ctx.Console.WriteLine($"training LeNet5 with GR α=0.005 for {parse.GetValue(epochs)} epochs (with the stored gradient) ...");
                var recipe = TrainingOptions.PaperWithGr with { MaxEpochs = parse.GetValue(epochs) };
                TrainedModel.Train(tensors, new TrainSpec("lenet5", recipe, StoreGradient: true), ckpt, cancellationToken: ctx.Cancellation);
            }

            var names = given ?? UnlearningMethods.NamesFor(Iau.Training.Checkpoint.ReadMetadata(ckpt).Model).ToArray();
            // Retrain runs the paper's full recipe (≤200 epochs, early stopping with patience 10, GR α as the original),
            // whatever shorter recipe the benchmark's original was trained with.
            var alpha = Iau.Training.Checkpoint.ReadMetadata(ckpt).Training?.GrAlpha ?? TrainingOptions.PaperGrAlpha;
            var retrainOpts = FormattableString.Invariant($"max-epochs={parse.GetValue(retrainEpochs) ?? 200}");
            var list = names.Select(n => n == "retrain"
                ? UnlearningMethods.Create(n, MethodSettings.Parse([retrainOpts, "patience=10", FormattableString.Invariant($"gr-alpha={alpha}")]))
                : UnlearningMethods.Create(n)).ToList();
            using var session = UnlearnSession.Open(ckpt, null, new LoadOptions(AllowDownload: false), device: IauRuntime.Device);
            var rows = Benchmarks.Unlearn(session, list, Log(ctx), ctx.Cancellation);
            Print(ctx, rt, $"iau bench unlearn ({session.Data.Forget.Count:N0} forget, {session.Data.Retain.Count:N0} retain)", rows, parse.GetValue(markdown));
            return 0;
        });
        bench.Subcommands.Add(unlearn);
        bench.Subcommands.Add(Finalizers(ctx, samples, markdown));
        return bench;
    }

    /// <summary>
    /// `iau bench finalizers`: TorchSharp's finalizer race (FinalizerGuard) in a child process without the guard and in
    /// one with it, then the guard's cost: LeNet5 training and evaluation throughput in a child process each way.
    /// </summary>
    private static Command Finalizers(CliContext ctx, Option<int> samples, Option<string?> markdown)
    {
        var seconds = new Option<int>("--seconds") { Description = "Seconds of the race workload in each child process (1-600).", DefaultValueFactory = _ => 10 };
        var part = new Option<string?>("--this-process") { Description = "Run one part (race or train) in this process and print its rows as lines (the benchmark's child processes).", Hidden = true };
        var command = new Command("finalizers", "TorchSharp's finalizer race (environment.md): a workload that exposes it, run without and with the guard (DOTNET_JITMinOpts=1, each in a child process), and the guard's cost on LeNet5 training and evaluation throughput.")
        {
            seconds, samples, markdown, part,
        };
        command.SetAction(parse =>
        {
            var s = parse.GetValue(seconds);
            Bounds.Count(s, "--seconds", 1, "at least one second", 600, "at most 600 seconds per child process", Bounds.Lifted);
            CheckMarkdown(parse.GetValue(markdown));
            var rt = ctx.InitRuntime(parse, 0);
            if (parse.GetValue(part) is { } only)
            {
                ctx.Out.WriteLine($"finalizers\t0\tguard\t{rt.Finalizers}"); // first, in case the part kills the process
                foreach (var r in only == "race" ? RaceRows(s) : only == "train" ? TrainRows(ctx, parse.GetValue(samples)) : throw new UsageException($"--this-process {only}: use race or train"))
                {
                    ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Name}\t{r.Value:R}\t{r.Unit}\t{r.Notes}"));
                }

                return 0;
            }

            var rows = new List<BenchRow>();
            var parts = new[] { ("race", s + 120), ("train", 1800) };
            foreach (var (name, limit) in parts)
            {
                var measured = new Dictionary<bool, IReadOnlyList<BenchRow>>();
                foreach (var guarded in new[] { false, true })
                {
                    ctx.Error.WriteLine($"bench: {name}, {(guarded ? "guarded" : "unguarded")}, in a child process");
                    measured[guarded] = Child(name, guarded, s, parse.GetValue(samples), limit);
                    rows.AddRange(measured[guarded].Select(r => r with { Name = $"{(guarded ? "guarded" : "unguarded")}: {r.Name}" }));
                }

                rows.AddRange(measured[true].Where(r => r.Unit == "samples/s")
                    .Join(measured[false], g => g.Name, u => u.Name, (g, u) => new BenchRow($"guarded / unguarded: {g.Name}", g.Value / u.Value, "ratio", null, "the guard's cost (below 1: slower)")));
            }

            Print(ctx, rt, "iau bench finalizers", rows, parse.GetValue(markdown));
            return 0;
        });
        return command;
    }

    private static IReadOnlyList<BenchRow> RaceRows(int seconds)
    {
        var r = FinalizerStress.Run(TimeSpan.FromSeconds(seconds), 2);
        var notes = string.Create(CultureInfo.InvariantCulture, $"{r.Seconds:F1} s, 2 threads beside one collecting; {r.Collections:N0} gen-0 collections; {FinalizerGuard.Describe()}");
        return
        [
            new("race workload: iterations", r.Operations, "count", null, notes),
            new("race workload: wrong results", r.Wrong, "count", null, "each result checked exactly"),
            new("race workload: libtorch errors", r.Errors, "count", null, "exceptions from native calls"),
        ];
    }

    private static IReadOnlyList<BenchRow> TrainRows(CliContext ctx, int samples)
    {
        var data = DatasetLoader.Load("fashion-mnist", new LoadOptions(AllowDownload: false, Progress: ctx.DataProgress()));
        using var tensors = SplitData.Create(data, DataSplit.Create(data, new SplitOptions()), IauRuntime.Device);
        return Benchmarks.Train(tensors, "lenet5", samples, 3, Log(ctx));
    }

    /// <summary>One part in a child process of this CLI with the guard set either way; a child that dies is a row that says how.</summary>
    private static IReadOnlyList<BenchRow> Child(string part, bool guarded, int seconds, int samples, int limitSeconds)
    {
        var (exe, prefix) = GuardedExec.Self() ?? throw new UsageException("the runtime does not say which program runs this CLI; iau bench finalizers needs to start it again");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var p = ChildProcess.Start(exe, prefix.Concat(["bench", "finalizers", "--this-process", part, "--seconds", $"{seconds}", "--samples", $"{samples}"]),
            new Dictionary<string, string?> { [FinalizerGuard.Variable] = guarded ? "1" : "0", [FinalizerGuard.LegacyVariable] = null });
        if (!p.Wait(TimeSpan.FromSeconds(limitSeconds)))
        {
            return [new($"{part}: child process", clock.Elapsed.TotalSeconds, "s", null, $"stopped after {limitSeconds} s without finishing")];
        }

        var rows = p.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).Where(f => f.Length == 4 && f[0] != "finalizers")
            .Select(f => new BenchRow(f[0], double.Parse(f[1], CultureInfo.InvariantCulture), f[2], null, f[3])).ToList();
        if (p.ExitCode != 0)
        {
            var how = p.ExitCode > 128 ? $"killed by signal {p.ExitCode - 128}{(p.ExitCode == 139 ? " (segmentation fault)" : string.Empty)}" : $"exit code {p.ExitCode}";
            rows.Add(new($"{part}: child process died", clock.Elapsed.TotalSeconds, "s", null, $"{how} after {clock.Elapsed.TotalSeconds:F1} s"));
        }

        return rows;
    }

    private static void CheckMarkdown(string? path)
    {
        if (path is not null)
        {
            Outputs.CheckFile(path, "--markdown");
        }
    }

    private static SyncProgress<string> Log(CliContext ctx) => new(s => ctx.Error.WriteLine($"bench: {s}"));

    private static void Print(CliContext ctx, RuntimeInfo rt, string title, IReadOnlyList<BenchRow> rows, string? markdownPath)
    {
        var machine = string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores, {rt.Threads} threads, device {rt.Device}, TorchSharp {rt.TorchSharpVersion}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, malloc {rt.Malloc}, finalizers {rt.Finalizers}, {DateTime.UtcNow:yyyy-MM-dd}");
        var t = new Table().Title(Markup.Escape(title)).AddColumns("measurement", "value", "unit", "peak RSS (MiB)", "notes");
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"`{title}` — {machine}").AppendLine();
        md.AppendLine("| measurement | value | unit | peak RSS (MiB) | notes |").AppendLine("|---|---:|---|---:|---|");
        foreach (var r in rows)
        {
            var v = r.Value.ToString(r.Value >= 100 ? "N0" : "G4", CultureInfo.InvariantCulture);
            var mem = r.PeakMemoryMiB?.ToString("N0", CultureInfo.InvariantCulture) ?? "-";
            t.AddRow(Markup.Escape(r.Name), v, r.Unit, mem, Markup.Escape(r.Notes));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {v} | {r.Unit} | {mem} | {r.Notes} |");
        }

        ctx.Console.Write(t);
        ctx.Console.WriteLine(machine);
        if (markdownPath is not null)
        {
            var tmp = $"{markdownPath}.{Environment.ProcessId}.tmp";
            File.WriteAllText(tmp, md.ToString());
            File.Move(tmp, markdownPath, overwrite: true);
            ctx.Console.WriteLine($"markdown: {markdownPath}");
        }
    }
}
