using System.CommandLine;
using System.Globalization;
using Iau.Evaluation;
using Iau.Experiments;
using Iau.Runtime;
using Iau.Unlearning;
using Spectre.Console;

namespace Iau.Cli.Commands;

/// <summary>`iau unlearn`: runs one or more methods on a trained checkpoint and prints TA/RA/FA and time.</summary>
internal static class UnlearnCommand
{
    public static Command Build(CliContext ctx)
    {
        var model = new Option<string>("--model") { Description = "Checkpoint written by `iau train` (its split is read from <checkpoint>.split.json).", Required = true };
        var method = new Option<string>("--method")
        {
            Description = $"Method(s), comma-separated, or 'all': {string.Join(", ", UnlearningMethods.Names)}.",
            DefaultValueFactory = _ => "iau",
        };
        var methodOpts = new Option<string[]>("--opt") { Description = "Method option key=value (repeatable), e.g. --opt steps=3 --opt lr=0.01.", AllowMultipleArgumentsPerToken = false };
        var seed = new Option<int>("--seed") { Description = "Seed of the methods' random choices.", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Write the unlearned model here (a folder when several methods run)." };
        var stream = new Option<string?>("--stream")
        {
            Description = "Answer a stream of deletion requests in order, each from the model the previous one left: a file with one request a line " +
                          "(sample ids, indices into the official training set, separated by spaces or commas; '#' comments). Needs --out (a folder) and one " +
                          "--method; a rerun resumes at the next request, and requests may be appended between runs.",
        };
        var stride = new Option<int?>("--stride") { Description = "With --stream: write the model after every this many requests, and after the last (default 1)." };
        var refresh = new Option<string?>("--refresh")
        {
            Description = $"With --stream and --method iau-cached: recompute the stored gradient at the current weights every N requests, or 'never' (default {CacheRefresh.Default.Every}).",
        };
        var opts = new DataOptions();
        var cmd = new Command("unlearn", "Unlearn a forget set from a trained model with one or more methods.") { model, method, methodOpts, seed, output, stream, stride, refresh };
        opts.AddTo(cmd);
        var which = new Argument<string?>("method") { Description = "Show one method's options in detail (key, default, range, what the tuner searches, source).", Arity = ArgumentArity.ZeroOrOne };
        var list = new Command("methods", "List the unlearning methods and their options.") { which };
        list.SetAction(parse =>
        {
            if (parse.GetValue(which) is { } name)
            {
                var entry = UnlearningMethods.All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
                    ?? throw new UsageException($"unlearn methods {name}: unknown method '{name}'; known: {string.Join(", ", UnlearningMethods.Names)}.");
                ctx.Console.MarkupLine($"[bold]{Markup.Escape(entry.Name)}[/]: {Markup.Escape(entry.Summary)}");
                if (entry.Declaration is not { } declared)
                {
                    ctx.Console.MarkupLine($"options (defaults): {Markup.Escape(entry.Options)}");
                    return 0;
                }

                ctx.Console.MarkupLine($"defaults from: {Markup.Escape(declared.Source)}");
                var d = new Table().AddColumns("key", "default", "valid", "tuned over", "what it does");
                foreach (var o in declared.Options)
                {
                    d.AddRow(Markup.Escape(o.Key), Markup.Escape(o.Default), Markup.Escape(o.Range), Markup.Escape(o.Search?.Describe() ?? "-"), Markup.Escape(o.Description));
                }

                ctx.Console.Write(d);
                return 0;
            }

            var t = new Table().AddColumns("method", "what it does", "options (defaults)");
            foreach (var e in UnlearningMethods.All)
            {
                t.AddRow(Markup.Escape(e.Name), Markup.Escape(e.Summary), Markup.Escape(e.Options));
            }

            ctx.Console.Write(t);
            return 0;
        });
        cmd.Subcommands.Add(list);
        cmd.SetAction(parse =>
        {
            var modelPath = parse.GetValue(model)!;
            var names = MethodNames(parse.GetValue(method)!, modelPath, ctx.Error);
            var pairs = parse.GetValue(methodOpts) ?? [];
            if (pairs.Length > 0 && names.Length > 1)
            {
                throw new UsageException("--opt applies to a single method; run the methods one at a time to set options.");
            }

            CheckOptions(pairs);
            if (parse.Given(opts.SplitSeed))
            {
                throw new UsageException("--split-seed does not apply to unlearn: the split is the model's own (<model>.split.json, or --split).");
            }
            var outPath = parse.GetValue(output);
            var streamPath = parse.GetValue(stream);
            var streamSettings = StreamSettings(parse, streamPath, names, outPath, stride, refresh, opts);
            if (streamPath is not null)
            {
                var inputs = new[] { modelPath, TrainedModel.SplitPathFor(modelPath), streamPath, parse.GetValue(opts.SplitFile) }.OfType<string>();
                Outputs.CheckFolder(outPath!, "--out");
                foreach (var input in inputs)
                {
                    var name = Path.GetFileName(input);
                    if (Path.GetFullPath(Path.GetDirectoryName(Path.GetFullPath(input)) ?? ".") == Path.GetFullPath(outPath!).TrimEnd(Path.DirectorySeparatorChar)
                        && (name == UnlearnStream.StateFile || (name.StartsWith("request-", StringComparison.Ordinal) && name.EndsWith(".ckpt", StringComparison.Ordinal))))
                    {
                        throw new UsageException($"--out {outPath} would write over {input}, an input of this run; give another folder.");
                    }
                }
            }
            else if (outPath is not null)
            {
                var inputs = new List<(string, string)> { (modelPath, "the model"), (TrainedModel.SplitPathFor(modelPath), "the model's split") };
                foreach (var input in new[] { (parse.GetValue(opts.SplitFile), "the split file"), (parse.GetValue(opts.ForgetIndices), "the forget-indices file") })
                {
                    if (input.Item1 is not null)
                    {
                        inputs.Add((input.Item1, input.Item2));
                    }
                }

                foreach (var path in names.Length == 1 ? [outPath] : names.Select(n => Path.Combine(outPath, $"{n}.ckpt")))
                {
                    Outputs.NotInput(path, "--out", inputs);
                }

                if (names.Length == 1)
                {
                    Outputs.CheckFile(outPath, "--out");
                }
                else
                {
                    Outputs.CheckFolder(outPath, "--out");
                }
            }

            ctx.InitRuntime(parse, parse.GetValue(seed));

            // Build every method first so a typo fails before any work.
            var methods = names.Select(n => UnlearningMethods.Create(n, MethodSettings.Parse(pairs))).ToList();
            var forgetGiven = parse.GetValue(opts.ForgetRatio) is not null || parse.GetValue(opts.ForgetClass) is not null || parse.GetValue(opts.ForgetIndices) is not null;
            using var session = UnlearnSession.Open(modelPath, forgetGiven ? opts.Forget(parse) : null, opts.LoadOptions(parse, ctx), parse.GetValue(opts.SplitFile), IauRuntime.Device);
            if (streamPath is not null)
            {
                return UnlearnStream.Run(ctx, session, modelPath, streamPath, outPath!, names[0], pairs, parse.GetValue(seed), streamSettings.Stride, streamSettings.Refresh);
            }

            var c = ctx.Console;
            var d = session.Data;
            if (d.Forget.Count == 0)
            {
                throw new ArgumentException($"{parse.GetValue(opts.SplitFile) ?? TrainedModel.SplitPathFor(modelPath)}: the split's forget set is empty " +
                                            "(e.g. trained with --limit); give --forget-ratio, --forget-class or --forget-indices.");
            }

            c.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{session.Checkpoint.Model} on {d.Dataset.Info.Name}: forget {d.Forget.Count:N0} ({d.Split.ForgetMode}), retain {d.Retain.Count:N0}, test {d.Test.Count:N0}"));
            var (ta, ra, fa) = session.EvaluateOriginal();
            var table = new Table().AddColumns("method", Metric.TA, Metric.RA, Metric.FA, "seconds", "steps", "notes");
            table.AddRow("original", F(ta), F(ra), F(fa), "-", "-", string.Empty);
            var classes = session.Checkpoint.Metadata.Classes;
            foreach (var m in methods)
            {
                c.WriteLine($"running {m.Name}: {m.Describe()}");
                var (outcome, result) = ctx.WithProgress(m.Name, ctx.Out, bar => session.Run(m, parse.GetValue(seed), new SyncProgress<UnlearningProgress>(p =>
                {
                    bar.Update(p.Step, p.TotalSteps, $"{p.Method}: {p.Unit} {p.Step}/{p.TotalSteps}");
                    if (p.TotalSteps > 1)
                    {
                        bar.Finished(string.Create(CultureInfo.InvariantCulture, $"  {p.Method}: {p.Unit} {p.Step}/{p.TotalSteps}  {p.Elapsed.TotalSeconds:F1} s"));
                    }
                }), ctx.Cancellation));
                using (result)
                {
                    table.AddRow(Markup.Escape(outcome.Method), F(outcome.TestAccuracy), F(outcome.RetainAccuracy), F(outcome.ForgetAccuracy),
                        outcome.Seconds.ToString("F3", CultureInfo.InvariantCulture), outcome.Steps.ToString(CultureInfo.InvariantCulture),
                        Markup.Escape(string.Join("; ", outcome.Notes.Take(4).Select(kv => $"{kv.Key}: {kv.Value}"))));
                    if (AtChance(outcome.TestAccuracy, ta, classes))
                    {
                        ctx.Error.WriteLine(FormattableString.Invariant(
                            $"warning: {outcome.Method} left the model at chance: test accuracy {outcome.TestAccuracy:F4} for {classes} classes (chance {1.0 / classes:F4}; original {ta:F4}). ")
                            + "The update destroyed the model; check its options (e.g. a smaller --opt lr).");
                    }

                    if (outPath is not null)
                    {
                        var path = methods.Count == 1 ? outPath : Path.Combine(outPath, $"{outcome.Method}.ckpt");
                        session.Save(outcome, result, path);
                        c.WriteLine($"  written {path}");
                    }
                }
            }

            c.Write(table);
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// The method names of --method: "all" (every method for the model's architecture; cached IAU only when the
    /// checkpoint stores the training gradient it needs, with a note otherwise) or a comma-separated list of known
    /// names. Empty or unknown names are usage errors; cached IAU asked for by name on a checkpoint without the
    /// gradient is refused here, before the other methods run.
    /// </summary>
    internal static string[] MethodNames(string value, string modelPath, TextWriter error)
    {
        var all = false;
        var names = MethodList.Parse(value, "--method", () =>
        {
            all = true;
            return UnlearningMethods.NamesFor(Iau.Training.Checkpoint.ReadMetadata(modelPath).Model);
        });
        if (!names.Contains(CachedIau))
        {
            return names;
        }

        if (Iau.Training.Checkpoint.ReadMetadata(modelPath).ExtraTensors.Contains(GradientCountTensor))
        {
            return names;
        }

        if (all)
        {
            error.WriteLine($"note: {modelPath} stores no training gradient, so 'all' leaves out {CachedIau} (train with --store-gradient to include it).");
            return [.. names.Where(n => n != CachedIau)];
        }

        throw new ArgumentException($"{modelPath}: --method {CachedIau} needs the mean training gradient stored with the model, and this checkpoint has none; train it with --store-gradient, or use --method iau.");
    }

    /// <summary>
    /// Checks the options of a stream (--stream, --stride, --refresh) before any work: a stream needs one method and
    /// --out, takes no forget option (the file says what to forget), and --stride/--refresh need --stream (--refresh
    /// also iau-cached). Returns the stride and the refresh policy (null unless iau-cached).
    /// </summary>
    private static (int Stride, CacheRefresh? Refresh) StreamSettings(ParseResult parse, string? streamPath, string[] names, string? outPath,
        Option<int?> stride, Option<string?> refresh, DataOptions opts)
    {
        var strideValue = parse.GetValue(stride);
        var refreshValue = parse.GetValue(refresh);
        if (streamPath is null)
        {
            if (strideValue is not null || refreshValue is not null)
            {
                throw new UsageException($"{(strideValue is not null ? "--stride" : "--refresh")} applies to a stream of requests; give --stream FILE.");
            }

            return (1, null);
        }

        if (names.Length != 1)
        {
            throw new UsageException($"--stream answers its requests with one method, and --method names {names.Length}; run one stream per method.");
        }

        if (outPath is null)
        {
            throw new UsageException("--stream needs --out, the folder that holds the models and the stream's state.");
        }

        var clash = new Option[] { opts.ForgetRatio, opts.ForgetClass, opts.ForgetIndices, opts.ForgetSeed }.Where(parse.Given).Select(o => o.Name).ToList();
        if (clash.Count > 0)
        {
            throw new UsageException($"--stream {streamPath} says what to forget, request by request; drop {string.Join(", ", clash)}.");
        }

        if (strideValue is < 1)
        {
            throw new UsageException(FormattableString.Invariant($"--stride {strideValue}: must be at least 1 (write the model after every request)."));
        }

        if (refreshValue is not null && names[0] != CachedIau)
        {
            throw new UsageException($"--refresh applies to --method {CachedIau}, not {names[0]}.");
        }

        CacheRefresh? policy = null;
        if (names[0] == CachedIau)
        {
            policy = refreshValue is null ? CacheRefresh.Default
                : refreshValue == "never" ? CacheRefresh.Never
                : int.TryParse(refreshValue, NumberStyles.None, CultureInfo.InvariantCulture, out var every) && every >= 1 ? new CacheRefresh(Every: every)
                : throw new UsageException($"--refresh {refreshValue}: give a number of requests (1 or more) or 'never'.");
        }

        return (strideValue ?? 1, policy);
    }

    /// <summary>Each --opt is key=value, and no key is given twice (the last would silently win).</summary>
    private static void CheckOptions(string[] pairs)
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in pairs)
        {
            var i = p.IndexOf('=', StringComparison.Ordinal);
            if (i <= 0)
            {
                throw new UsageException($"--opt {p}: expected key=value, e.g. --opt lr=0.01.");
            }

            if (!keys.Add(p[..i].Trim()))
            {
                throw new UsageException($"--opt {p[..i].Trim()} is given more than once; give each option once.");
            }
        }
    }

    /// <summary>
    /// Whether a model that was clearly better than chance (test accuracy above 2/K) fell to chance: test
    /// accuracy below 1.5/K, which a model that predicts (nearly) one class for everything reaches.
    /// </summary>
    internal static bool AtChance(double accuracy, double original, int classes) =>
        classes > 1 && original > 2.0 / classes && accuracy < 1.5 / classes;

    private const string CachedIau = "iau-cached";

    // The tensor GradientCache.ToTensors writes: its name in a checkpoint's metadata says the gradient is stored.
    private const string GradientCountTensor = "gradcache.count";

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}
