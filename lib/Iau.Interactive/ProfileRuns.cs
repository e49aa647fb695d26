using System.Globalization;
using Iau.Experiments;

namespace Iau.Interactive;

/// <summary>
/// What a notebook runs: the experiments of one kind or more from a profile, into the folder the command line uses
/// (<c>results/&lt;profile&gt;/</c>), so that a notebook and <c>iau reproduce</c> share their finished cells and models.
/// </summary>
public static class ProfileRuns
{
    /// <summary>
    /// Runs (or reuses) the cells of <paramref name="profile"/>'s experiments of <paramref name="kinds"/> into
    /// <c>results/&lt;profile&gt;/</c> under <paramref name="repoRoot"/>, writing one line per cell it runs and a summary
    /// to <paramref name="output"/> (the notebook's output; Console when null), and returns every row of that results
    /// file (the other experiments' rows included, as the notebooks filter them).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown profile, or no kind given.</exception>
    public static IReadOnlyList<ResultRow> Run(string repoRoot, string profile, ExperimentKind[] kinds, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(repoRoot);
        ArgumentNullException.ThrowIfNull(kinds);
        if (kinds.Length == 0)
        {
            throw new ArgumentException("Name at least one experiment kind.", nameof(kinds));
        }

        var writer = output ?? Console.Out;
        var spec = Profiles.Get(profile);
        var subset = spec with { Experiments = [.. spec.Experiments.Where(e => kinds.Contains(e.Kind))] };
        var options = new ReproductionOptions(Path.Combine(repoRoot, "results", profile));
        var summary = Reproduction.Run(subset, options, new LineProgress(writer));
        writer.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{summary.Cells} cells: {summary.Run} run now, {summary.Skipped} reused; {summary.Seconds:F1} s; results in {Path.GetRelativePath(repoRoot, summary.ResultsPath)}"));
        return ResultsStore.Read(options.ResultsPath);
    }

    /// <summary>One line per finished cell that ran (cells reused from the results file are not listed).</summary>
    private sealed class LineProgress(TextWriter writer) : IProgress<ReproductionProgress>
    {
        public void Report(ReproductionProgress p)
        {
            if (!p.Skipped && p.Message != "running")
            {
                lock (writer)
                {
                    writer.WriteLine(p.Total == 0 ? $"  {p.Cell}: {p.Message}" : $"  [{p.Done}/{p.Total}] {p.Cell}: {p.Message}");
                }
            }
        }
    }
}
