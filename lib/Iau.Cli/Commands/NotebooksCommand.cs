using System.CommandLine;
using System.Globalization;
using Iau.Notebooks;
using Spectre.Console;

namespace Iau.Cli.Commands;

/// <summary>`iau notebooks run` (headless execution, outputs written back) and `iau notebooks export` (file-based apps).</summary>
internal static class NotebooksCommand
{
    public static Command Build(CliContext ctx)
    {
        var notebooks = new Command("notebooks", "Run the Polyglot notebooks headless, or export them as file-based apps.");
        notebooks.Subcommands.Add(BuildRun(ctx));
        notebooks.Subcommands.Add(BuildExport(ctx));
        return notebooks;
    }

    private static Command BuildRun(CliContext ctx)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Notebooks (.ipynb, .dib) or folders holding them.",
            Arity = ArgumentArity.OneOrMore,
        };
        var profile = new Option<string?>("--profile") { Description = "Sets IAU_PROFILE for the run: smoke, quick or paper (default: the environment's)." };
        profile.AcceptOnlyFromAmong("smoke", "quick", "paper");
        var inPlace = new Option<bool>("--in-place") { Description = "Write the outputs back into each .ipynb." };
        var output = new Option<string?>("--out") { Description = "Write each executed notebook as .ipynb into this folder instead." };
        var timeout = new Option<double?>("--timeout-per-cell") { Description = "Seconds a cell may run before it fails (default: no limit)." };
        var noImages = new Option<bool>("--no-images") { Description = "Do not render charts to PNG (no browser is started)." };
        var run = new Command("run", "Run notebooks cell by cell (Roslyn scripting) and report the first failing cell of each.")
        {
            paths, profile, inPlace, output, timeout, noImages,
        };
        run.Validators.Add(result =>
        {
            if (result.GetValue(inPlace) && result.GetValue(output) is not null)
            {
                result.AddError("--in-place and --out cannot be used together.");
            }

            if (result.GetValue(timeout) is <= 0)
            {
                result.AddError("--timeout-per-cell must be positive.");
            }
        });
        run.SetAction(parse => Run(
            ctx, parse.GetValue(paths)!, parse.GetValue(profile), parse.GetValue(inPlace), parse.GetValue(output),
            parse.GetValue(timeout), !parse.GetValue(noImages)));
        return run;
    }

    private static Command BuildExport(CliContext ctx)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Notebooks (.ipynb, .dib) or folders holding them.",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<string>("--format") { Description = "Export format: cs (a .NET file-based app).", DefaultValueFactory = _ => "cs" };
        format.AcceptOnlyFromAmong("cs");
        var output = new Option<string?>("--out") { Description = "Folder for the exported files (default: beside each notebook)." };
        var export = new Command("export", "Export notebooks as .NET file-based apps (`dotnet run notebook.cs`).") { paths, format, output };
        export.SetAction(parse => Export(ctx, parse.GetValue(paths)!, parse.GetValue(output)));
        return export;
    }

    private static int Run(CliContext ctx, string[] paths, string? profile, bool inPlace, string? output, double? timeoutSeconds, bool images)
    {
        var files = Expand(paths);
        var options = new NotebookRunOptions
        {
            Profile = profile,
            TimeoutPerCell = timeoutSeconds is double s ? TimeSpan.FromSeconds(s) : null,
            ExtraReferences = KitAssemblies.References(),
            RenderImages = images,
        };
        var failures = new List<NotebookRunResult>();
        var progress = new SyncProgress<CellProgress>(p =>
        {
            var where = $"  cell {p.CellNumber} [{p.CodeCellNumber}/{p.CodeCellCount}]";
            switch (p.Stage)
            {
                case CellStage.Succeeded:
                    ctx.Console.WriteLine($"{where} ok ({Seconds(p.Elapsed)})");
                    break;
                case CellStage.Failed:
                    ctx.Console.WriteLine($"{where} FAILED ({Seconds(p.Elapsed)}): {p.Message}");
                    break;
                case CellStage.Skipped:
                    ctx.Console.WriteLine($"{where} not run");
                    break;
            }
        });

        var shownProfile = profile ?? Environment.GetEnvironmentVariable(NotebookRunOptions.ProfileVariable) ?? "unset";
        foreach (var file in files)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            ctx.Console.WriteLine($"{Path.GetRelativePath(Environment.CurrentDirectory, file)} (IAU_PROFILE={shownProfile})");
            var result = NotebookRunner.RunAsync(file, options, progress, ctx.Cancellation).GetAwaiter().GetResult();
            if (result.ErrorKind == NotebookErrorKind.Cancelled)
            {
                throw new OperationCanceledException();
            }

            foreach (var note in result.Notes)
            {
                ctx.Console.WriteLine($"  note: {note}");
            }

            var saved = Save(ctx, result.Document, inPlace, output);
            var summary = result.Succeeded
                ? $"  ok: {result.CellsRun} code cells in {Seconds(result.Duration)}"
                : $"  failed after {Seconds(result.Duration)}";
            ctx.Console.WriteLine(saved is null ? summary : $"{summary}; written to {Path.GetRelativePath(Environment.CurrentDirectory, saved)}");
            if (!result.Succeeded)
            {
                failures.Add(result);
                ctx.Error.WriteLine($"error: {Path.GetRelativePath(Environment.CurrentDirectory, file)}: {Describe(result)}");
            }
        }

        if (files.Count > 1)
        {
            ctx.Console.WriteLine(failures.Count == 0
                ? $"{files.Count} notebooks ok"
                : $"{failures.Count} of {files.Count} notebooks failed: {string.Join(", ", failures.Select(f => f.Document.Name))}");
        }

        return failures.Count == 0 ? 0 : 1;
    }

    private static string Describe(NotebookRunResult result)
    {
        var line = result.FailedLine is int l ? $", line {l}" : string.Empty;
        return $"cell {result.FailedCell}{line}: {result.ErrorMessage}";
    }

    private static string? Save(CliContext ctx, NotebookDocument document, bool inPlace, string? output)
    {
        if (output is not null)
        {
            var target = Path.Combine(output, Path.ChangeExtension(document.Name, ".ipynb"));
            document.Save(target);
            return target;
        }

        if (!inPlace)
        {
            return null;
        }

        if (document.SourceFormat == NotebookFormat.Dib)
        {
            ctx.Console.WriteLine($"  note: {document.Name} is a .dib, which keeps no outputs; use --out to write an .ipynb.");
            return null;
        }

        document.Save(document.Path!);
        return document.Path;
    }

    private static int Export(CliContext ctx, string[] paths, string? output)
    {
        foreach (var file in Expand(paths))
        {
            var document = NotebookDocument.Load(file);
            var target = Path.Combine(output ?? Path.GetDirectoryName(file)!, Path.ChangeExtension(document.Name, ".cs"));
            var export = FileBasedAppExporter.ExportToFile(document, target);
            ctx.Console.WriteLine($"{Path.GetRelativePath(Environment.CurrentDirectory, file)} -> {Path.GetRelativePath(Environment.CurrentDirectory, target)}");
            foreach (var w in export.Warnings)
            {
                ctx.Console.WriteLine($"  warning: {w}");
            }
        }

        return 0;
    }

    /// <summary>Files as given, folders as their .ipynb and .dib files (sorted, hidden files and checkpoints left out).</summary>
    private static List<string> Expand(string[] paths)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
            {
                files.AddRange(Directory.EnumerateFiles(p)
                    .Where(f => f.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".dib", StringComparison.OrdinalIgnoreCase))
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal)
                    .Select(Path.GetFullPath));
            }
            else if (File.Exists(p))
            {
                files.Add(Path.GetFullPath(p));
            }
            else
            {
                throw new FileNotFoundException($"No notebook or folder at {p}.", p);
            }
        }

        if (files.Count == 0)
        {
            throw new FileNotFoundException($"No .ipynb or .dib notebooks in {string.Join(", ", paths)}.");
        }

        return [.. files.Distinct(StringComparer.Ordinal)];
    }

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F1} s");
}
