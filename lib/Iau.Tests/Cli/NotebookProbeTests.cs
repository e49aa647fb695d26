using Iau.Tests.Data;

namespace Iau.Tests.Cli;

/// <summary>
/// `iau notebooks check` and `export` on malformed notebooks and on outputs that would replace a file (issue 25):
/// nothing is overwritten without --force, an input is never its own output, and a malformed cell is named.
/// </summary>
public sealed class NotebookProbeTests : IDisposable
{
    private const string Good = """
        {
         "cells": [
          {"cell_type": "markdown", "metadata": {}, "source": ["# A notebook"]},
          {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": ["var x = 1;\n", "x"]}
         ],
         "metadata": {"kernelspec": {"display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp"}},
         "nbformat": 4,
         "nbformat_minor": 5
        }
        """;

    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    private string Notebook(string name, string json = Good)
    {
        var path = tmp.File(name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Check_fails_a_cell_whose_outputs_is_not_an_array()
    {
        var nb = Notebook("x.ipynb", Good.Replace("\"outputs\": []", "\"outputs\": \"x\"", StringComparison.Ordinal));
        var r = CliRunner.Run("notebooks", "check", nb);
        CliProbe.Fails(r, 1, "x.ipynb", "cell 2", "field \"outputs\"", "must be an array");
        Assert.Contains("1 of 1 notebooks failed", r.Out);

        var good = CliRunner.Run("notebooks", "check", Notebook("good.ipynb"));
        Assert.True(good.Code == 0, good.Err);
    }

    [Theory]
    [InlineData("\"source\": [\"# A notebook\"]", "\"source\": 42", "cell 1", "field \"source\"")]
    [InlineData("\"outputs\": []", "\"outputs\": [7]", "cell 2", "outputs[0] must be an object")]
    [InlineData("{\"cell_type\": \"markdown\"", "{\"cell_type\": 3", "cell 1", "field \"cell_type\"")]
    public void A_malformed_notebook_is_named_with_its_cell_and_field(string from, string to, string cell, string field)
    {
        var nb = Notebook("bad.ipynb", Good.Replace(from, to, StringComparison.Ordinal));
        CliProbe.Fails(CliRunner.Run("notebooks", "export", nb), 1, nb, cell, field);
        CliProbe.Fails(CliRunner.Run("notebooks", "check", nb), 1, "bad.ipynb", cell, field);
        Assert.False(File.Exists(tmp.File("bad.cs")));
    }

    [Fact]
    public void Export_never_writes_over_its_input()
    {
        var nb = Notebook("nb.ipynb");
        var before = File.ReadAllBytes(nb);
        CliProbe.Fails(CliRunner.Run("notebooks", "export", nb, "--out", nb), 2, "--out", nb, "is the notebook being exported");
        Assert.Equal(before, File.ReadAllBytes(nb));

        // A notebook whose name already ends in .cs would be exported onto itself.
        var cs = Notebook("app.cs");
        var csBefore = File.ReadAllBytes(cs);
        CliProbe.Fails(CliRunner.Run("notebooks", "export", cs), 2, cs, "would overwrite the notebook");
        Assert.Equal(csBefore, File.ReadAllBytes(cs));

        // --out naming another file is a file where a folder is expected.
        var other = Notebook("other.txt", "mine");
        CliProbe.Fails(CliRunner.Run("notebooks", "export", nb, "--out", other), 1, other, "(--out) is a file; give a folder");
        Assert.Equal("mine", File.ReadAllText(other));
    }

    [Fact]
    public void Export_refuses_to_replace_an_existing_cs_unless_forced()
    {
        var nb = Notebook("mine.ipynb");
        var mine = tmp.File("mine.cs");
        File.WriteAllText(mine, "// my own program\n");
        CliProbe.Fails(CliRunner.Run("notebooks", "export", nb), 1, mine, "already exists", "--force");
        Assert.Equal("// my own program\n", File.ReadAllText(mine));

        var forced = CliRunner.Run("notebooks", "export", nb, "--force");
        Assert.True(forced.Code == 0, forced.Err);
        Assert.Contains("display(x);", File.ReadAllText(mine));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp"));
    }

    [Fact]
    public void Two_notebooks_exported_to_one_file_are_refused_before_either_is_written()
    {
        var a = Notebook("twin.ipynb");
        Directory.CreateDirectory(tmp.File("sub"));
        var b = Notebook(Path.Combine("sub", "twin.ipynb"));
        var outDir = tmp.File("out");
        CliProbe.Fails(CliRunner.Run("notebooks", "export", a, b, "--out", outDir), 2, "both be exported", "twin.cs");
        Assert.False(Directory.Exists(outDir));
    }
}
