using System.CommandLine;
using System.Globalization;
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
        var opts = new DataOptions();
        var cmd = new Command("unlearn", "Unlearn a forget set from a trained model with one or more methods.") { model, method, methodOpts, seed, output };
        opts.AddTo(cmd);
        var which = new Argument<string?>("method") { Description = "Show one method's options in detail (key, default, range, what the tuner searches, source).", Arity = ArgumentArity.ZeroOrOne };
        var list = new Command("methods", "List the unlearning methods and their options.") { which };
        list.SetAction(parse =>
        {
            if (parse.GetValue(which) is { } name)
            {
                var entry = UnlearningMethods.All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
                    ?? throw new ArgumentException($"Unknown unlearning method '{name}'. Known: {string.Join(", ", UnlearningMethods.Names)}.");
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
            ctx.InitRuntime(parse, parse.GetValue(seed));
            var names = parse.GetValue(method)!.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)
                ? UnlearningMethods.NamesFor(Iau.Training.Checkpoint.ReadMetadata(parse.GetValue(model)!).Model).ToArray()
                : parse.GetValue(method)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var pairs = parse.GetValue(methodOpts) ?? [];
            if (pairs.Length > 0 && names.Length > 1)
            {
                throw new ArgumentException("--opt applies to a single method; run the methods one at a time to set options.");
            }

            // Build every method first so a typo fails before any work.
            var methods = names.Select(n => UnlearningMethods.Create(n, MethodSettings.Parse(pairs))).ToList();
            var forgetGiven = parse.GetValue(opts.ForgetRatio) is not null || parse.GetValue(opts.ForgetClass) is not null || parse.GetValue(opts.ForgetIndices) is not null;
            using var session = UnlearnSession.Open(parse.GetValue(model)!, forgetGiven ? opts.Forget(parse) : null, opts.LoadOptions(parse, ctx), parse.GetValue(opts.SplitFile), IauRuntime.Device);
            var c = ctx.Console;
            var d = session.Data;
            c.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{session.Checkpoint.Model} on {d.Dataset.Info.Name}: forget {d.Forget.Count:N0} ({d.Split.ForgetMode}), retain {d.Retain.Count:N0}, test {d.Test.Count:N0}"));
            var (ta, ra, fa) = session.EvaluateOriginal();
            var table = new Table().AddColumns("method", "TA", "RA", "FA", "seconds", "steps", "notes");
            table.AddRow("original", F(ta), F(ra), F(fa), "-", "-", string.Empty);
            var outPath = parse.GetValue(output);
            foreach (var m in methods)
            {
                c.WriteLine($"running {m.Name}: {m.Describe()}");
                var progress = new SyncProgress<UnlearningProgress>(p =>
                {
                    if (p.TotalSteps > 1)
                    {
                        c.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p.Method}: {p.Unit} {p.Step}/{p.TotalSteps}  {p.Elapsed.TotalSeconds:F1} s"));
                    }
                });
                var (outcome, result) = session.Run(m, parse.GetValue(seed), progress, ctx.Cancellation);
                using (result)
                {
                    table.AddRow(Markup.Escape(outcome.Method), F(outcome.TestAccuracy), F(outcome.RetainAccuracy), F(outcome.ForgetAccuracy),
                        outcome.Seconds.ToString("F3", CultureInfo.InvariantCulture), outcome.Steps.ToString(CultureInfo.InvariantCulture),
                        Markup.Escape(string.Join("; ", outcome.Notes.Take(4).Select(kv => $"{kv.Key}: {kv.Value}"))));
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

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}
