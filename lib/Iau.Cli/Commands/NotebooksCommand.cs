using System.CommandLine;
using System.Globalization;
using Iau.Notebooks;
using Spectre.Console;

namespace Iau.Cli.Commands;

/// <summary>\n/// `iau notebooks check` (an executed notebook's outputs: no errors, no oversized output, charts with PNGs) and\n/// `iau notebooks export` (file-based apps). Notebooks are executed by the real .NET Interactive kernel\n/// (`jupyter nbconvert --execute` or `dotnet repl --run`), not by the kit: see notebooks/README.md.\n/// </summary>
internal static class NotebooksCommand
{
    public static Command Build(CliContext ctx)
    {
        var notebooks = new Command("notebooks", "Check executed notebooks, or export them as file-based apps.");
        notebooks.Subcommands.Add(BuildCheck(ctx));
        notebooks.Subcommands.Add(BuildExport(ctx));
        return notebooks;
    }

    private static Command BuildCheck(CliContext ctx)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Executed notebooks (.ipynb) or folders holding them.",
            Arity = ArgumentArity.OneOrMore,
        };
        var limit = new Option<long>("--max-output-bytes")
        {
            Description = "Largest output allowed, images not counted.",
            DefaultValueFactory = _ => NotebookOutputCheck.DefaultLimitBytes,
        };
        var check = new Command(
            "check",
            "Check executed notebooks: no error output, no non-image output above the limit, every chart with a PNG. " +
            "Notebooks are executed by the .NET Interactive kernel (jupyter nbconvert --execute, or dotnet repl): see notebooks/README.md.")
        {
            paths, limit,
        };
        check.SetAction(parse =>
        {
            if (parse.GetValue(limit) is var bytes && bytes < 0)
            {
                throw new UsageException($"--max-output-bytes {bytes}: give a size in bytes, 0 or more.");
            }

            return Check(ctx, parse.GetValue(paths)!, parse.GetValue(limit));
        });
        return check;
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
        var force = new Option<bool>("--force") { Description = "Replace .cs files that already exist (without it, an existing file is refused and left as it is)." };
        var export = new Command("export", "Export notebooks as .NET file-based apps (`dotnet run notebook.cs`).") { paths, format, output, force };
        export.SetAction(parse => Export(ctx, parse.GetValue(paths)!, parse.GetValue(output), parse.GetValue(force)));
        return export;
    }

    private static int Check(CliContext ctx, string[] paths, long limit)
    {
        var failed = 0;
        var files = Expand(paths).Where(f => f.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var file in files)
        {
            var name = Path.GetRelativePath(Environment.CurrentDirectory, file);
            IReadOnlyList<string> problems;
            try
            {
                problems = NotebookOutputCheck.Check(file, limit);
            }
            catch (FormatException e)
            {
                failed++;
                ctx.Error.WriteLine($"error: {CliErrors.OneLine(e.Message)}"); // names the file already
                continue;
            }

            if (problems.Count == 0)
            {
                ctx.Console.WriteLine($"{name}: ok");
                continue;
            }

            failed++;
            foreach (var p in problems)
            {
                ctx.Error.WriteLine($"error: {name}: {p}");
            }
        }

        ctx.Console.WriteLine(failed == 0 ? $"{files.Count} notebooks ok" : $"{failed} of {files.Count} notebooks failed the check");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// Exports every notebook, after checking all of them first: each is a well-formed notebook, --out is a folder,
    /// no export would replace its own input or another export of this run, and no existing .cs is replaced
    /// unless --force. Nothing is written when any check fails.
    /// </summary>
    private static int Export(CliContext ctx, string[] paths, string? output, bool force)
    {
        var files = Expand(paths);
        if (output is not null)
        {
            if (files.FirstOrDefault(f => f == Path.GetFullPath(output)) is { } same)
            {
                throw new UsageException($"--out {output} is the notebook being exported ({same}); --out is the folder the .cs files go to.");
            }

            Outputs.CheckFolder(output, "--out");
        }

        var inputs = files.Select(f => (f, "the notebook")).ToList();
        var plan = new List<(string File, NotebookDocument Document, string Target)>();
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var document = NotebookDocument.Load(file);
            if (document.SourceFormat == NotebookFormat.Ipynb && NotebookStructure.Problems(document.Root) is [var first, ..])
            {
                throw new InvalidDataException($"{file}: {first}.");
            }

            var target = Path.GetFullPath(Path.Combine(output ?? Path.GetDirectoryName(file)!, Path.ChangeExtension(document.Name, ".cs")));
            Outputs.NotInput(target, output is null ? "the export" : "--out", inputs);
            if (!targets.TryAdd(target, file))
            {
                throw new UsageException($"{targets[target]} and {file} would both be exported to {target}; export them one at a time, or with another --out.");
            }

            if (!force && File.Exists(target))
            {
                throw new IOException($"{target} already exists; give --force to replace it with the export of {file}, or --out another folder.");
            }

            if (Directory.Exists(target))
            {
                throw new IOException($"{target} is a folder; the export of {file} needs that name for its .cs file.");
            }

            plan.Add((file, document, target));
        }

        foreach (var (file, document, target) in plan)
        {
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
