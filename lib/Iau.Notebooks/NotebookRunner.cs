using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Iau.Notebooks.Interactive;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace Iau.Notebooks;

/// <summary>
/// Runs the C# cells of a notebook in order, headless, with Roslyn scripting: one submission per cell, state
/// (variables, types, usings) carried from cell to cell, as Polyglot Notebooks does. Per cell: directives are
/// handled first (<c>#r "nuget: Name, Version"</c> restores and references a package, <c>#r "path.dll"</c>
/// references an assembly relative to the notebook, <c>#i "nuget: source"</c> adds a package source), then the
/// code compiles and runs with Console output captured; <c>display(x)</c>, <c>x.Display()</c>,
/// <c>s.DisplayAs(mime)</c> and the cell's trailing expression become outputs. The first failing cell (compile
/// error, exception, timeout, package) gets an error output; later cells are not run and their outputs cleared.
/// Outputs go into the <see cref="NotebookDocument"/>; saving is the caller's choice.
/// </summary>
public static class NotebookRunner
{
    /// <summary>Polyglot's default namespaces for C# cells.</summary>
    public static IReadOnlyList<string> DefaultImports { get; } =
        ["System", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks"];

    // The current directory and the environment are process-wide: runs take turns.
    private static readonly SemaphoreSlim RunGate = new(1, 1);

    /// <summary>Loads and runs a notebook (.ipynb or .dib).</summary>
    public static Task<NotebookRunResult> RunAsync(
        string path, NotebookRunOptions? options = null, IProgress<CellProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync(NotebookDocument.Load(path), options, progress, cancellationToken);

    /// <summary>Runs a notebook; outputs and execution counts are written into <paramref name="document"/>.</summary>
    public static async Task<NotebookRunResult> RunAsync(
        NotebookDocument document, NotebookRunOptions? options = null, IProgress<CellProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        options ??= new NotebookRunOptions();
        if (options.UseKitFormatters)
        {
            KitFormatters.EnsureRegistered();
        }

        await RunGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var previousDirectory = Environment.CurrentDirectory;
        var previousProfile = Environment.GetEnvironmentVariable(NotebookRunOptions.ProfileVariable);
        try
        {
            var directory = options.WorkingDirectory ?? (document.Path is null ? null : Path.GetDirectoryName(document.Path));
            if (directory is not null)
            {
                Environment.CurrentDirectory = directory;
            }

            if (options.Profile is not null)
            {
                Environment.SetEnvironmentVariable(NotebookRunOptions.ProfileVariable, options.Profile);
            }

            using var capture = ConsoleCapture.Install();
            var format = new FormatContext(document.Path, options.RenderImages, cancellationToken);
            await using (format.ConfigureAwait(false))
            {
                var session = new NotebookSession(document, options, format);
                return await session.RunAsync(progress, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (options.Profile is not null)
            {
                Environment.SetEnvironmentVariable(NotebookRunOptions.ProfileVariable, previousProfile);
            }

            Environment.CurrentDirectory = previousDirectory;
            RunGate.Release();
        }
    }
}

/// <summary>The state of one notebook run: script state, references, packages.</summary>
internal sealed class NotebookSession
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(LoadFrameworkReferences);
    private static NotebookSession? _active;

    private readonly NotebookDocument _document;
    private readonly NotebookRunOptions _options;
    private readonly FormatContext _format;
    private readonly NotebookGlobals _globals;
    private readonly string _baseDirectory;
    private readonly List<NuGetPackage> _packages = [];
    private readonly List<string> _packageSources = [];
    private readonly HashSet<string> _referenced = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];
    private ScriptOptions _scriptOptions;
    private ScriptState<object>? _state;

    public NotebookSession(NotebookDocument document, NotebookRunOptions options, FormatContext format)
    {
        _document = document;
        _options = options;
        _format = format;
        _globals = new NotebookGlobals(this);
        _baseDirectory = document.Path is null ? Environment.CurrentDirectory : Path.GetDirectoryName(document.Path)!;
        var references = new List<MetadataReference>(FrameworkReferences.Value);
        foreach (var path in new[] { typeof(NotebookGlobals).Assembly.Location }.Concat(options.ExtraReferences))
        {
            if (path.Length > 0 && _referenced.Add(Path.GetFullPath(path)))
            {
                references.Add(MetadataReference.CreateFromFile(path));
            }
        }

        _scriptOptions = ScriptOptions.Default
            .WithReferences(references)
            .WithImports(NotebookRunner.DefaultImports.Concat([typeof(DisplayExtensions).Namespace!]).Concat(options.ExtraImports))
            .WithEmitDebugInformation(true)
            .WithFileEncoding(Encoding.UTF8)
            .WithLanguageVersion(LanguageVersion.Preview)
            .WithAllowUnsafe(true)
            .WithOptimizationLevel(OptimizationLevel.Debug)
            .WithSourceResolver(new SourceFileResolver([], _baseDirectory))
            .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(_baseDirectory));
    }

    /// <summary>The session running now (for display calls from threads that lost the async context).</summary>
    public static NotebookSession? Active => Volatile.Read(ref _active);

    /// <summary>The outputs of the cell running now, or null.</summary>
    public CellOutputs? RunningCell { get; private set; }

    public async Task<NotebookRunResult> RunAsync(IProgress<CellProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var cells = _document.Cells;
        var codeCells = cells.Where(c => c.IsCode).ToList();
        var results = new List<NotebookCellResult>();
        var executionCount = 0;
        var codeIndex = 0;
        CellFailure? failure = null;
        NotebookCell? failedCell = null;
        var previous = Interlocked.Exchange(ref _active, this);
        try
        {
            foreach (var cell in codeCells)
            {
                codeIndex++;
                if (failure is not null)
                {
                    cell.SetOutputs([], null);
                    progress?.Report(new CellProgress(_document.Name, cell.Number, codeIndex, codeCells.Count, CellStage.Skipped, TimeSpan.Zero, null));
                    continue;
                }

                if (string.IsNullOrWhiteSpace(cell.Source))
                {
                    cell.SetOutputs([], null);
                    continue;
                }

                executionCount++;
                progress?.Report(new CellProgress(_document.Name, cell.Number, codeIndex, codeCells.Count, CellStage.Started, TimeSpan.Zero, null));
                var cellClock = Stopwatch.StartNew();
                var outputs = new CellOutputs(_format);
                RunningCell = outputs;
                try
                {
                    failure = await RunCellAsync(cell, outputs, executionCount, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    RunningCell = null;
                    outputs.Close();
                }

                if (failure is not null)
                {
                    outputs.AddError(failure.ErrorName, failure.ErrorValue, failure.Traceback);
                    failedCell = cell;
                }

                cell.SetOutputs(outputs.ToJson(), executionCount);
                results.Add(new NotebookCellResult(cell.Number, executionCount, cellClock.Elapsed, failure is null));
                var message = failure is null ? null : (failure.Line is int l ? $"line {l}: " : string.Empty) + failure.Message;
                progress?.Report(new CellProgress(_document.Name, cell.Number, codeIndex, codeCells.Count,
                    failure is null ? CellStage.Succeeded : CellStage.Failed, cellClock.Elapsed, message));
            }
        }
        finally
        {
            Interlocked.CompareExchange(ref _active, previous, this);
        }

        return new NotebookRunResult
        {
            Document = _document,
            CellsRun = results.Count,
            CodeCells = codeCells.Count,
            FailedCell = failedCell?.Number,
            FailedLine = failure?.Line,
            ErrorMessage = failure?.Message,
            ErrorKind = failure?.Kind ?? NotebookErrorKind.None,
            Duration = clock.Elapsed,
            Cells = results,
            Notes = _notes,
        };
    }

    private string CellFile(NotebookCell cell) => Path.Combine(_baseDirectory, $"{_document.Name}#cell{cell.Number}");

    private async Task<CellFailure?> RunCellAsync(NotebookCell cell, CellOutputs outputs, int executionCount, CancellationToken cancellationToken)
    {
        if (cell.KernelName != "csharp")
        {
            return CellFailure.Simple(NotebookErrorKind.Directive, null,
                $"the cell uses the '{cell.KernelName}' kernel; only C# cells can be run headless.");
        }

        CellSource source;
        try
        {
            source = CellSource.Parse(cell.Source);
        }
        catch (FormatException e)
        {
            var line = int.TryParse(e.Message.Split(':')[0].Replace("line ", string.Empty, StringComparison.Ordinal), out var l) ? l : (int?)null;
            return CellFailure.Simple(NotebookErrorKind.Directive, line, e.Message);
        }

        var directiveFailure = await HandleDirectivesAsync(source, outputs, cancellationToken).ConfigureAwait(false);
        if (directiveFailure is not null)
        {
            return directiveFailure;
        }

        if (string.IsNullOrWhiteSpace(source.Code))
        {
            return null;
        }

        var file = CellFile(cell);
        var options = _scriptOptions.WithFilePath(file);
        var script = _state is null
            ? CSharpScript.Create<object>(source.Code, options, typeof(NotebookGlobals))
            : _state.Script.ContinueWith<object>(source.Code, options);

        ImmutableArray<Diagnostic> diagnostics;
        try
        {
            diagnostics = await Task.Run(() => script.Compile(cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (CompilationErrorException e)
        {
            diagnostics = e.Diagnostics;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CellFailure.Simple(NotebookErrorKind.Cancelled, null, "cancelled.");
        }

        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            return CompilationFailure(errors, file);
        }

        using var cellCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var previousState = _state;
        var run = Task.Run(async () =>
        {
            CellOutputs.Current = outputs;
            return previousState is null
                ? await script.RunAsync(_globals, _ => true, cellCancel.Token).ConfigureAwait(false)
                : await script.RunFromAsync(previousState, _ => true, cellCancel.Token).ConfigureAwait(false);
        }, CancellationToken.None);

        var timeout = _options.TimeoutPerCell ?? Timeout.InfiniteTimeSpan;
        var delay = Task.Delay(timeout, cellCancel.Token);
        var finished = await Task.WhenAny(run, delay).ConfigureAwait(false);
        if (finished != run)
        {
            await cellCancel.CancelAsync().ConfigureAwait(false);

            // The cell's thread cannot be stopped; it is left to finish on its own, its results ignored.
            _ = run.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return cancellationToken.IsCancellationRequested
                ? CellFailure.Simple(NotebookErrorKind.Cancelled, null, "cancelled.")
                : new CellFailure(NotebookErrorKind.Timeout, null, $"the cell did not finish within {timeout.TotalSeconds:0.###} s (timeout per cell).",
                    "TimeoutException", $"The cell did not finish within {timeout.TotalSeconds:0.###} s.", [$"TimeoutException: the cell did not finish within {timeout.TotalSeconds:0.###} s (timeout per cell)."]);
        }

        await cellCancel.CancelAsync().ConfigureAwait(false);
        ScriptState<object> state;
        try
        {
            state = await run.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return RuntimeFailure(e, file);
        }

        if (state.Exception is { } exception)
        {
            return RuntimeFailure(exception, file);
        }

        _state = state;
        if (state.ReturnValue is { } value and not DisplayedValue)
        {
            // Formatting may block on asynchronous work (chart images): off the caller's context.
            await Task.Run(() => outputs.AddResult(value, executionCount), CancellationToken.None).ConfigureAwait(false);
        }

        return null;
    }

    private async Task<CellFailure?> HandleDirectivesAsync(CellSource source, CellOutputs outputs, CancellationToken cancellationToken)
    {
        var newPackages = new List<CellDirective>();
        var newReferences = new List<MetadataReference>();
        foreach (var d in source.Directives)
        {
            switch (d.Kind)
            {
                case DirectiveKind.Magic:
                    var name = d.Argument.Split(' ', 2)[0];
                    if (!CellSource.IgnoredMagics.Contains(name))
                    {
                        return CellFailure.Simple(NotebookErrorKind.Directive, d.Line,
                            $"unsupported magic command '#!{name}' (headless runs support C# cells with #r, #i, display(...)).");
                    }

                    break;
                case DirectiveKind.Include:
                    if (d.Argument.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase))
                    {
                        var src = d.Argument[6..].Trim();
                        if (!Uri.TryCreate(src, UriKind.Absolute, out var uri) || uri.IsFile)
                        {
                            src = Path.GetFullPath(Path.Combine(_baseDirectory, uri?.IsFile == true ? uri.LocalPath : src));
                        }

                        if (!_packageSources.Contains(src))
                        {
                            _packageSources.Add(src);
                        }
                    }
                    else
                    {
                        _notes.Add($"#i \"{d.Argument}\" noted (no effect headless).");
                    }

                    break;
                case DirectiveKind.Reference:
                    var resolved = ResolveReferencePath(d.Argument);
                    if (resolved is null)
                    {
                        return CellFailure.Simple(NotebookErrorKind.Directive, d.Line,
                            $"#r \"{d.Argument}\": file not found ({Path.GetFullPath(Path.Combine(_baseDirectory, d.Argument))}).");
                    }

                    if (_referenced.Add(resolved))
                    {
                        newReferences.Add(MetadataReference.CreateFromFile(resolved));
                    }

                    break;
                case DirectiveKind.NuGet:
                    NuGetPackage package;
                    try
                    {
                        package = NuGetPackage.Parse(d.Argument);
                    }
                    catch (ArgumentException e)
                    {
                        return CellFailure.Simple(NotebookErrorKind.Directive, d.Line, e.Message);
                    }

                    _packages.RemoveAll(p => string.Equals(p.Name, package.Name, StringComparison.OrdinalIgnoreCase));
                    _packages.Add(package);
                    newPackages.Add(d);
                    break;
            }
        }

        if (newPackages.Count > 0)
        {
            var restorer = _options.Restorer ?? new NuGetRestorer();
            RestoredPackages restored;
            try
            {
                restored = await restorer.RestoreAsync(_packages, _packageSources, cancellationToken).ConfigureAwait(false);
            }
            catch (PackageRestoreException e)
            {
                return CellFailure.Simple(NotebookErrorKind.Package, newPackages[0].Line, e.Message, "PackageRestoreException");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return CellFailure.Simple(NotebookErrorKind.Cancelled, null, "cancelled.");
            }

            foreach (var dll in restored.Assemblies)
            {
                var path = PreferLoaded(dll);
                if (_referenced.Add(path))
                {
                    newReferences.Add(MetadataReference.CreateFromFile(path));
                }
            }

            NativeLibraryMap.Add(restored.NativeLibraries);
            var installed = newPackages
                .Select(d => NuGetPackage.Parse(d.Argument))
                .Select(p => $"{p.Name}, {restored.VersionOf(p.Name) ?? p.Version ?? "?"}")
                .ToList();
            _notes.Add("restored " + string.Join("; ", installed) + (restored.FromCache ? " (cached)" : string.Empty));
            _notes.AddRange(restored.Warnings);
            outputs.DisplayBundle(new Dictionary<string, string>
            {
                [MimeTypes.PlainText] = "Installed Packages\n" + string.Concat(installed.Select(i => $" • {i}\n")),
            });
        }

        if (newReferences.Count > 0)
        {
            _scriptOptions = _scriptOptions.AddReferences(newReferences);
        }

        return null;
    }

    /// <summary>
    /// The file to reference for #r "path": the file itself (relative to the notebook) — unless an assembly of
    /// that name is already loaded in this process (e.g. the kit's Iau.dll), which is then used so the notebook
    /// and the host share types; also when the path does not exist (another build configuration's bin folder).
    /// </summary>
    private string? ResolveReferencePath(string argument)
    {
        var full = Path.GetFullPath(Path.Combine(_baseDirectory, argument));
        var name = Path.GetFileNameWithoutExtension(full);
        if (File.Exists(full))
        {
            return PreferLoaded(full);
        }

        var loaded = LoadedAssemblyPath(name);
        if (loaded is not null)
        {
            _notes.Add($"#r \"{argument}\": not found; using the loaded {name} ({loaded}).");
        }

        return loaded;
    }

    private string PreferLoaded(string path)
    {
        string name;
        try
        {
            name = AssemblyName.GetAssemblyName(path).Name ?? Path.GetFileNameWithoutExtension(path);
        }
        catch (BadImageFormatException)
        {
            return path;
        }

        var loaded = LoadedAssemblyPath(name);
        if (loaded is null || string.Equals(Path.GetFullPath(loaded), Path.GetFullPath(path), StringComparison.Ordinal))
        {
            return Path.GetFullPath(path);
        }

        return loaded;
    }

    /// <summary>Where the assembly of that simple name that this process has loaded (or will load: the trusted platform assemblies) lives.</summary>
    private static string? LoadedAssemblyPath(string simpleName)
    {
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (!a.IsDynamic && a.Location.Length > 0 && string.Equals(a.GetName().Name, simpleName, StringComparison.OrdinalIgnoreCase) && File.Exists(a.Location))
            {
                return a.Location;
            }
        }

        return TrustedPlatformAssemblies().FirstOrDefault(p =>
            string.Equals(Path.GetFileNameWithoutExtension(p), simpleName, StringComparison.OrdinalIgnoreCase) && File.Exists(p));
    }

    private static IEnumerable<string> TrustedPlatformAssemblies() =>
        (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);

    private static ImmutableArray<MetadataReference> LoadFrameworkReferences()
    {
        // The shared framework's assemblies (System.*, Microsoft.*, netstandard, mscorlib).
        var frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var paths = TrustedPlatformAssemblies()
            .Where(p => string.Equals(Path.GetDirectoryName(p), frameworkDir, StringComparison.Ordinal))
            .ToList();
        if (paths.Count == 0)
        {
            paths = [.. Directory.GetFiles(frameworkDir, "*.dll").Where(p =>
            {
                var n = Path.GetFileName(p);
                return n.StartsWith("System.", StringComparison.Ordinal) || n.StartsWith("Microsoft.", StringComparison.Ordinal)
                       || n is "netstandard.dll" or "mscorlib.dll";
            })];
        }

        var references = ImmutableArray.CreateBuilder<MetadataReference>(paths.Count);
        foreach (var p in paths)
        {
            try
            {
                references.Add(MetadataReference.CreateFromFile(p));
            }
            catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException)
            {
                // Not a managed assembly.
            }
        }

        return references.ToImmutable();
    }

    private static CellFailure CompilationFailure(IReadOnlyList<Diagnostic> errors, string file)
    {
        static string Format(Diagnostic d)
        {
            var span = d.Location.GetLineSpan();
            var where = d.Location.IsInSource ? $"({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): " : string.Empty;
            return $"{where}error {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}";
        }

        var first = errors.FirstOrDefault(e => e.Location.IsInSource && e.Location.GetLineSpan().Path == file) ?? errors[0];
        int? line = first.Location.IsInSource ? first.Location.GetLineSpan().StartLinePosition.Line + 1 : null;
        var message = $"error {first.Id}: {first.GetMessage(CultureInfo.InvariantCulture)}";
        return new CellFailure(NotebookErrorKind.Compilation, line, message, "CompilationError", Format(first), [.. errors.Select(Format)]);
    }

    private static CellFailure RuntimeFailure(Exception exception, string file)
    {
        while (exception is TargetInvocationException { InnerException: { } inner })
        {
            exception = inner;
        }

        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        // The line: the innermost frame in this cell, else in any cell (a function defined earlier).
        int? line = null;
        int? anyCell = null;
        foreach (var frame in new StackTrace(exception, true).GetFrames())
        {
            var f = frame.GetFileName();
            if (f is null || frame.GetFileLineNumber() <= 0)
            {
                continue;
            }

            if (f == file)
            {
                line ??= frame.GetFileLineNumber();
            }
            else if (f.Contains("#cell", StringComparison.Ordinal))
            {
                anyCell ??= frame.GetFileLineNumber();
            }
        }

        var name = exception.GetType().FullName ?? exception.GetType().Name;
        var traceback = new List<string>();
        var sawSubmission = false;
        foreach (var raw in exception.ToString().Split('\n'))
        {
            var l = raw.TrimEnd('\r');
            var t = l.TrimStart();
            if (t.StartsWith("at Microsoft.CodeAnalysis.Scripting.", StringComparison.Ordinal) ||
                t.StartsWith("at Iau.Notebooks.NotebookSession", StringComparison.Ordinal) ||
                (sawSubmission && t.StartsWith("--- End of stack trace from previous location", StringComparison.Ordinal)))
            {
                break;
            }

            sawSubmission |= t.StartsWith("at Submission#", StringComparison.Ordinal);
            traceback.Add(l);
        }

        return new CellFailure(NotebookErrorKind.Runtime, line ?? anyCell, $"{name}: {exception.Message}", name, exception.Message, traceback);
    }

    private sealed record CellFailure(
        NotebookErrorKind Kind, int? Line, string Message, string ErrorName, string ErrorValue, IReadOnlyList<string> Traceback)
    {
        public static CellFailure Simple(NotebookErrorKind kind, int? line, string message, string? errorName = null)
        {
            var where = line is int l ? $"line {l}: " : string.Empty;
            var ename = errorName ?? kind switch
            {
                NotebookErrorKind.Cancelled => "OperationCanceledException",
                NotebookErrorKind.Package => "PackageRestoreException",
                _ => "NotebookDirectiveError",
            };
            return new CellFailure(kind, line, message, ename, message, [$"{ename}: {where}{message}"]);
        }
    }
}
