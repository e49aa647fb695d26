using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using Iau.Cli.Commands;
using Iau.Data;
using Iau.Runtime;
using Spectre.Console;

namespace Iau.Cli;

/// <summary>The `iau` command line. <see cref="Run"/> is also what tests call, with captured output.</summary>
public static class CliApp
{
    /// <summary>--device auto|cpu|cuda, on every command.</summary>
    internal static readonly Option<string> DeviceOption = new("--device")
    {
        Description = "Device: auto (CUDA when present), cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => "auto",
        Recursive = true,
    };

    /// <summary>--threads N, on every command.</summary>
    internal static readonly Option<int?> ThreadsOption = new("--threads")
    {
        Description = "libtorch intra-op threads (default: all cores; at most 4 per core unless IAU_UNBOUNDED=1).",
        Recursive = true,
    };

    /// <summary>
    /// Runs the command line; returns the exit code (<see cref="CliErrors"/>: 0 success, 1 bad input, data or
    /// file, 2 usage, 130 cancelled). Every error of every command ends here as one line on stderr.
    /// </summary>
    public static int Run(string[] args, IAnsiConsole? console = null, TextWriter? error = null)
    {
        error ??= Console.Error;
        try
        {
            return Invoke(args, console, error);
        }
        catch (Exception e)
        {
            return CliErrors.Report(e, error);
        }
    }

    private static int Invoke(string[] args, IAnsiConsole? console, TextWriter error)
    {
        if (console is null && Console.IsOutputRedirected)
        {
            // Logs and CI: do not wrap lines at 80 columns.
            AnsiConsole.Profile.Width = 200;
        }

        var ctx = new CliContext(console ?? AnsiConsole.Console, error);
        var root = new RootCommand("IAU research kit: machine unlearning via influence approximation.")
        {
            DeviceOption,
            ThreadsOption,
        };
        root.Subcommands.Add(DataCommands.Build(ctx));
        root.Subcommands.Add(TrainCommand.Build(ctx));
        root.Subcommands.Add(UnlearnCommand.Build(ctx));
        root.Subcommands.Add(PyTorchCommands.Import(ctx));
        root.Subcommands.Add(PyTorchCommands.Export(ctx));
        root.Subcommands.Add(BenchCommand.Build(ctx));
        root.Subcommands.Add(NotebooksCommand.Build(ctx));
        root.Subcommands.Add(TuneCommand.Build(ctx));
        root.Subcommands.Add(AuditCommand.Build(ctx));
        foreach (var c in ReproduceCommand.Build(ctx))
        {
            root.Subcommands.Add(c);
        }

        // `iau help [command …]` is `iau [command …] --help`, as users of git and dotnet expect.
        if (args is ["help", .. var topic])
        {
            args = [.. topic, "--help"];
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            foreach (var line in ParseErrorLines(parse))
            {
                ctx.Error.WriteLine($"error: {line}");
            }

            ctx.Error.WriteLine($"usage: {string.Join(' ', CommandPath(parse.CommandResult).Prepend("iau"))} --help");
            return CliErrors.Usage;
        }

        if (parse.Action is not HelpAction)
        {
            // Before any command starts work: `--threads 100000` would start 100,000 libtorch threads.
            Bounds.Threads(parse.GetValue(ThreadsOption), Bounds.Lifted);
        }

        // Errors are not handled here nor in the commands: they reach Run, which turns each into one line and an exit code.
        return parse.Invoke(new InvocationConfiguration { Output = ctx.Out, Error = ctx.Error, EnableDefaultExceptionHandler = false });
    }

    /// <summary>
    /// The parse errors as lines. A word that is not a command of a command that has subcommands (`iau notebooks
    /// run`) is one line naming the word and the commands there are, without System.CommandLine's "Required command
    /// was not provided", which would come first and mislead.
    /// </summary>
    private static List<string> ParseErrorLines(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var unmatched = parse.UnmatchedTokens;
        if (command.Subcommands.Count > 0 && unmatched.Count > 0 && !unmatched[0].StartsWith('-'))
        {
            var path = string.Join(' ', CommandPath(parse.CommandResult).Prepend("iau"));
            var known = string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
            return [$"'{unmatched[0]}' is not a command of `{path}`; its commands: {known}."];
        }

        return [.. parse.Errors.Select(e => CliErrors.OneLine(e.Message))];
    }

    private static IEnumerable<string> CommandPath(SymbolResult? result)
    {
        var names = new Stack<string>();
        for (var r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult { Command: not RootCommand } c)
            {
                names.Push(c.Command.Name);
            }
        }

        return names;
    }
}

/// <summary>What every command shares: the console, the error writer, runtime initialisation.</summary>
internal sealed class CliContext(IAnsiConsole console, TextWriter error)
{
    private RuntimeInfo? runtime;

    public IAnsiConsole Console { get; } = console;

    public TextWriter Error { get; } = error;

    /// <summary>
    /// Plain text to stdout, past Spectre's renderer: no wrapping at the console width and no markup, so help
    /// and Markdown come out intact in a terminal and in a pipe.
    /// </summary>
    public TextWriter Out => Console.Profile.Out.Writer;

    /// <summary>Runs long work with a progress bar in a terminal, or one line per finished step on <paramref name="lines"/> otherwise.</summary>
    public T WithProgress<T>(string title, TextWriter lines, Func<StepProgress, T> work) => StepProgress.Run(Console, lines, title, work);

    /// <summary>
    /// Cancelled on Ctrl+C and on SIGTERM (Slurm's time limit and scancel, kill): long runs stop cleanly (and can be
    /// resumed), exit code 130.
    /// </summary>
    public CancellationToken Cancellation => Cancel.Token;

    /// <summary>Seconds a command that does not watch <see cref="Cancellation"/> gets after SIGTERM before the process ends anyway (exit 143).</summary>
    internal const int TermGraceSeconds = 20;

    private static PosixSignalRegistration? term;

    private CancellationTokenSource Cancel { get; } = CreateCancel();

    private static CancellationTokenSource CreateCancel()
    {
        var cts = new CancellationTokenSource();
        System.Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        // SIGTERM (an in-process CliApp.Run in the tests registers once more; the last one holds).
        term?.Dispose();
        term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            cts.Cancel();
            _ = Task.Delay(TimeSpan.FromSeconds(TermGraceSeconds)).ContinueWith(_ => Environment.Exit(128 + 15), TaskScheduler.Default);
        });
        return cts;
    }

    /// <summary>Initialises TorchSharp once (device, threads, seed) and notes the libstdc++ fix once on stderr.</summary>
    public RuntimeInfo InitRuntime(ParseResult parse, long seed)
    {
        if (runtime is null)
        {
            runtime = IauRuntime.Initialize(new RuntimeOptions(parse.GetValue(CliApp.DeviceOption) ?? "auto", parse.GetValue(CliApp.ThreadsOption), seed));
            if (runtime.NativeFix is not null)
            {
                Error.WriteLine($"note: {runtime.NativeFix}");
            }

            if (!FinalizerGuard.IsOn)
            {
                Error.WriteLine($"note: {runtime.Finalizers}");
            }
        }
        else
        {
            IauRuntime.Seed(seed);
        }

        return runtime;
    }

    /// <summary>Reports data progress (downloads, verification) on stderr.</summary>
    public IProgress<DataProgress> DataProgress() => new SyncProgress<DataProgress>(p =>
    {
        if (p.Stage == "download")
        {
            var total = p.Total is long t ? $" / {t / 1e6:F1} MB" : string.Empty;
            Error.WriteLine($"download {Path.GetFileName(p.File)}: {p.Done / 1e6:F1} MB{total}");
        }
        else if (p.Stage is "extract" or "verify")
        {
            Error.WriteLine($"{p.Stage} {p.File}");
        }
    });
}

/// <summary>An IProgress that calls back synchronously on the reporting thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
