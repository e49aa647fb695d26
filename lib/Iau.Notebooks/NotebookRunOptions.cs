namespace Iau.Notebooks;

/// <summary>How <see cref="NotebookRunner"/> runs a notebook.</summary>
public sealed record NotebookRunOptions
{
    /// <summary>The environment variable that carries the profile into the notebook.</summary>
    public const string ProfileVariable = "IAU_PROFILE";

    /// <summary>When set, the environment variable IAU_PROFILE has this value during the run (smoke, quick, paper).</summary>
    public string? Profile { get; init; }

    /// <summary>Limit for one cell; a cell that runs longer fails with a timeout error. Null: no limit.</summary>
    public TimeSpan? TimeoutPerCell { get; init; }

    /// <summary>The current directory during the run (default: the notebook's folder).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Assemblies (paths) every cell can use without #r — e.g. the kit's own library.</summary>
    public IReadOnlyList<string> ExtraReferences { get; init; } = [];

    /// <summary>Namespaces imported in every cell, besides Polyglot's defaults.</summary>
    public IReadOnlyList<string> ExtraImports { get; init; } = [];

    /// <summary>Restores <c>#r "nuget: …"</c> packages (default: a <see cref="NuGetRestorer"/> with the machine's NuGet configuration).</summary>
    public NuGetRestorer? Restorer { get; init; }

    /// <summary>Whether formatters may render images (charts to PNG through headless Chromium).</summary>
    public bool RenderImages { get; init; } = true;

    /// <summary>Whether the kit's formatters (Deedle frames and series, Plotly.NET charts) are registered before the run.</summary>
    public bool UseKitFormatters { get; init; } = true;
}

/// <summary>What happened to a cell.</summary>
public enum CellStage
{
    /// <summary>The cell starts.</summary>
    Started,

    /// <summary>The cell ran without error.</summary>
    Succeeded,

    /// <summary>The cell failed (error, compile error, timeout, package, cancellation).</summary>
    Failed,

    /// <summary>The cell was not run because an earlier one failed.</summary>
    Skipped,
}

/// <summary>Progress of a run, one report when a code cell starts and one when it ends.</summary>
/// <param name="Notebook">The notebook's file name.</param>
/// <param name="CellNumber">The cell's position in the notebook, from 1 (markdown cells count).</param>
/// <param name="CodeCellNumber">Which code cell it is, from 1.</param>
/// <param name="CodeCellCount">How many code cells the notebook has.</param>
/// <param name="Stage">Started, succeeded, failed or skipped.</param>
/// <param name="Elapsed">Time the cell took (zero when it starts).</param>
/// <param name="Message">For failures the error; else null.</param>
public sealed record CellProgress(
    string Notebook, int CellNumber, int CodeCellNumber, int CodeCellCount, CellStage Stage, TimeSpan Elapsed, string? Message);

/// <summary>Why a run failed.</summary>
public enum NotebookErrorKind
{
    /// <summary>It did not.</summary>
    None,

    /// <summary>The cell did not compile.</summary>
    Compilation,

    /// <summary>The cell threw an exception.</summary>
    Runtime,

    /// <summary>The cell ran past <see cref="NotebookRunOptions.TimeoutPerCell"/>.</summary>
    Timeout,

    /// <summary>A <c>#r "nuget: …"</c> package could not be restored.</summary>
    Package,

    /// <summary>A directive was malformed or unsupported (a missing #r file, a foreign kernel, an unknown magic).</summary>
    Directive,

    /// <summary>The run was cancelled.</summary>
    Cancelled,
}

/// <summary>Timing of one executed code cell.</summary>
/// <param name="CellNumber">Position in the notebook, from 1.</param>
/// <param name="ExecutionCount">Its execution count.</param>
/// <param name="Duration">How long it ran (directives and compilation included).</param>
/// <param name="Succeeded">Whether it ran without error.</param>
public sealed record NotebookCellResult(int CellNumber, int ExecutionCount, TimeSpan Duration, bool Succeeded);

/// <summary>The outcome of <see cref="NotebookRunner.RunAsync(NotebookDocument, NotebookRunOptions?, IProgress{CellProgress}?, CancellationToken)"/>.</summary>
public sealed record NotebookRunResult
{
    /// <summary>The notebook with its new outputs (not saved; see <see cref="NotebookDocument.Save"/>).</summary>
    public required NotebookDocument Document { get; init; }

    /// <summary>Whether every code cell ran without error.</summary>
    public bool Succeeded => ErrorKind == NotebookErrorKind.None;

    /// <summary>How many code cells ran (the failing one included).</summary>
    public int CellsRun { get; init; }

    /// <summary>How many code cells the notebook has.</summary>
    public int CodeCells { get; init; }

    /// <summary>The failing cell's position in the notebook, from 1; null on success.</summary>
    public int? FailedCell { get; init; }

    /// <summary>The failing cell's index in <see cref="NotebookDocument.Cells"/> (from 0); null on success.</summary>
    public int? FailedCellIndex => FailedCell - 1;

    /// <summary>The line in the failing cell, from 1, where known.</summary>
    public int? FailedLine { get; init; }

    /// <summary>The error (compiler message, exception type and message, …); null on success.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Why it failed.</summary>
    public NotebookErrorKind ErrorKind { get; init; }

    /// <summary>Wall time of the run.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Each executed cell.</summary>
    public IReadOnlyList<NotebookCellResult> Cells { get; init; } = [];

    /// <summary>Notes of the run (packages restored, references substituted by already loaded assemblies, …).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>"name.ipynb: cell 5, line 3: error CS0103: …", or "name.ipynb: ok (12 cells, 3.2 s)".</summary>
    public string Describe()
    {
        if (Succeeded)
        {
            return $"{Document.Name}: ok ({CellsRun} code cells, {Duration.TotalSeconds:F1} s)";
        }

        var line = FailedLine is int l ? $", line {l}" : string.Empty;
        return $"{Document.Name}: cell {FailedCell}{line}: {ErrorMessage}";
    }
}
