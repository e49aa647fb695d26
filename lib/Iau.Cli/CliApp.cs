using System.CommandLine;
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
        Description = "libtorch intra-op threads (default: all cores).",
        Recursive = true,
    };

    /// <summary>Runs the command line; returns the exit code (0 success, 1 error, 2 usage).</summary>
    public static int Run(string[] args, IAnsiConsole? console = null, TextWriter? error = null)
    {
        if (console is null && Console.IsOutputRedirected)
        {
            // Logs and CI: do not wrap lines at 80 columns.
            AnsiConsole.Profile.Width = 200;
        }

        var ctx = new CliContext(console ?? AnsiConsole.Console, error ?? Console.Error);
        var root = new RootCommand("IAU research kit: machine unlearning via influence approximation.")
        {
            DeviceOption,
            ThreadsOption,
        };
        root.Subcommands.Add(DataCommands.Build(ctx));
        root.Subcommands.Add(TrainCommand.Build(ctx));
        root.Subcommands.Add(UnlearnCommand.Build(ctx));
        root.Subcommands.Add(BenchCommand.Build(ctx));
        root.Subcommands.Add(NotebooksCommand.Build(ctx));
        root.Subcommands.Add(AuditCommand.Build(ctx));
        foreach (var c in ReproduceCommand.Build(ctx))
        {
            root.Subcommands.Add(c);
        }

        var parse = root.Parse(args);
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = ctx.Out, Error = ctx.Error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is DataFormatException or DatasetNotFoundException or IauRuntimeException or ArgumentException
                                       or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or NotSupportedException)
        {
            ctx.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            ctx.Error.WriteLine("cancelled.");
            return 130;
        }
    }
}

/// <summary>What every command shares: the console, the error writer, runtime initialisation.</summary>
internal sealed class CliContext(IAnsiConsole console, TextWriter error)
{
    private RuntimeInfo? runtime;

    public IAnsiConsole Console { get; } = console;

    public TextWriter Error { get; } = error;

    public TextWriter Out { get; } = new AnsiTextWriter(console);

    /// <summary>Cancelled on Ctrl+C: long runs stop cleanly (and can be resumed).</summary>
    public CancellationToken Cancellation => Cancel.Token;

    private CancellationTokenSource Cancel { get; } = CreateCancel();

    private static CancellationTokenSource CreateCancel()
    {
        var cts = new CancellationTokenSource();
        System.Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
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

    private sealed class AnsiTextWriter(IAnsiConsole console) : StringWriter
    {
        public override void Write(char value) => console.Write(value.ToString());

        public override void Write(string? value) => console.Write(value ?? string.Empty);

        public override void WriteLine(string? value) => console.WriteLine(value ?? string.Empty);
    }
}

/// <summary>An IProgress that calls back synchronously on the reporting thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
