using Iau.Notebooks;

namespace Iau.Tests.Notebooks;

/// <summary>
/// A test that runs the repository's notebooks; skipped (and reported as skipped) where Fashion-MNIST is not
/// installed (apt-get install dataset-fashion-mnist), since every notebook reads it, or where the notebooks
/// folder cannot be found above the test's folder.
/// </summary>
public sealed class AllNotebooksFactAttribute : FactAttribute
{
    public AllNotebooksFactAttribute()
    {
        if (!Directory.Exists(RealFashionMnistFactAttribute.Folder))
        {
            Skip = $"{RealFashionMnistFactAttribute.Folder} not present (apt-get install dataset-fashion-mnist)";
        }
        else if (AllNotebooksTests.FindRepositoryRoot() is null)
        {
            Skip = "Iau.Research.sln not found above the test folder (the notebooks live beside it)";
        }
    }
}

/// <summary>
/// Every notebook in notebooks/ under the smoke profile, as CI runs them: headless, through
/// <see cref="NotebookRunner"/> with the kit's assemblies as references, outputs kept in memory (the files are
/// not written back). Notebooks that run experiments store their results under results/smoke/ of the
/// repository (git-ignored), so a second run is faster.
/// </summary>
[Collection(NotebookCollection.Name)]
[Trait("Category", "Notebooks")]
public class AllNotebooksTests
{
    /// <summary>The folder holding Iau.Research.sln above the test's folder, or null.</summary>
    public static string? FindRepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Iau.Research.sln")))
            {
                return d.FullName;
            }
        }

        return null;
    }

    [AllNotebooksFact]
    public async Task Every_notebook_runs_under_the_smoke_profile()
    {
        var folder = Path.Combine(FindRepositoryRoot()!, "notebooks");
        var notebooks = Directory.GetFiles(folder, "*.ipynb")
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(notebooks);

        var options = new NotebookRunOptions
        {
            Profile = "smoke",
            TimeoutPerCell = TimeSpan.FromMinutes(10),
            ExtraReferences = KitAssemblies.References(),
            RenderImages = false,
        };
        var failures = new List<string>();
        foreach (var path in notebooks)
        {
            var result = await NotebookRunner.RunAsync(path, options);
            if (!result.Succeeded)
            {
                failures.Add($"{result.Describe()} ({result.ErrorKind}; {result.CellsRun} of {result.CodeCells} code cells run)");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {notebooks.Count} notebooks failed under the smoke profile:\n" + string.Join("\n", failures));
    }
}
