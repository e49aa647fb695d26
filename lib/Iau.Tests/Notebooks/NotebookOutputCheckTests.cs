using Iau.Notebooks;
using Iau.Tests.Data;

namespace Iau.Tests.Notebooks;

[Collection(NotebookCollection.Name)]
public class NotebookOutputCheckTests
{
    /// <summary>A one-cell notebook in nbformat 4 whose cell has the given outputs (JSON objects).</summary>
    internal static string Notebook(params string[] outputs) =>
        "{\"cells\":[{\"cell_type\":\"code\",\"execution_count\":1,\"metadata\":{},\"source\":[\"x\"],\"outputs\":[" +
        string.Join(",", outputs) + "]}],\"metadata\":{},\"nbformat\":4,\"nbformat_minor\":5}";

    private static IReadOnlyList<string> CheckText(string json)
    {
        using var tmp = new TempDir();
        var path = tmp.File("nb.ipynb");
        File.WriteAllText(path, json);
        return NotebookOutputCheck.Check(path);
    }

    [Fact]
    public void Large_images_pass_but_large_html_fails()
    {
        var big = new string('A', 400_000);
        Assert.Empty(CheckText(Notebook($$$"""{"output_type":"display_data","metadata":{},"data":{"image/png":"{{{big}}}","text/plain":["chart"]}}""")));
        var problems = CheckText(Notebook($$$"""{"output_type":"display_data","metadata":{},"data":{"text/html":["<p>{{{big}}}</p>"]}}"""));
        Assert.Single(problems);
        Assert.StartsWith("cell 1: display_data output of 400,", problems[0]);
    }

    [Fact]
    public void A_chart_needs_its_png()
    {
        const string Html = "<div class=\\\"iau-chart\\\"><div id=\\\"p\\\"></div></div>";
        Assert.Equal(["cell 1: chart without an image/png"], CheckText(Notebook($$$"""{"output_type":"display_data","metadata":{},"data":{"text/html":"{{{Html}}}"}}""")));
        Assert.Empty(CheckText(Notebook($$$"""{"output_type":"display_data","metadata":{},"data":{"text/html":"{{{Html}}}","image/png":"iVBORw0KGgo="}}""")));
    }

    [Fact]
    public void Error_outputs_fail()
    {
        var problems = CheckText(Notebook("""{"output_type":"error","ename":"System.Exception","evalue":"first line\nsecond","traceback":[]}"""));
        Assert.Equal(["cell 1: error output System.Exception: first line"], problems);
    }

    [Fact]
    public void The_polyglot_fixture_saved_by_vs_code_passes()
    {
        Assert.Empty(NotebookOutputCheck.Check(Path.Combine(NotebookFixtures.Folder, "polyglot-vscode.ipynb")));
    }
}
