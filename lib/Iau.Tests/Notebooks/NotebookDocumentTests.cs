using System.Text.Json.Nodes;
using Iau.Notebooks;

namespace Iau.Tests.Notebooks;

public class NotebookDocumentTests
{
    [Theory]
    [InlineData("polyglot-vscode.ipynb")]
    [InlineData("outputs.ipynb")]
    [InlineData("runtime-error.ipynb")]
    public void Ipynb_round_trips_byte_for_byte(string name)
    {
        var path = Path.Combine(NotebookFixtures.Folder, name);
        var text = File.ReadAllText(path);
        var doc = NotebookDocument.Load(path);
        Assert.Equal(text, doc.ToJson());
    }

    [Fact]
    public void Raw_escapes_and_number_text_of_the_file_are_kept()
    {
        var doc = NotebookDocument.Load(Path.Combine(NotebookFixtures.Folder, "polyglot-vscode.ipynb"));
        var json = doc.ToJson();
        Assert.Contains("caf\\u00e9", json);
        Assert.Contains("2.50", json);
        Assert.Contains("Münster 🙂 <ok> & done", json);
        Assert.Contains("café", doc.Cells[0].Source);
    }

    [Fact]
    public void Crlf_and_indentation_of_two_spaces_round_trip()
    {
        var text = "{\r\n  \"cells\": [],\r\n  \"metadata\": {\r\n    \"a\": [\r\n      1,\r\n      \"x\"\r\n    ]\r\n  },\r\n  \"nbformat\": 4,\r\n  \"nbformat_minor\": 5\r\n}";
        var doc = NotebookDocument.Parse(text);
        Assert.Equal("  ", doc.Style.Indent);
        Assert.Equal("\r\n", doc.Style.NewLine);
        Assert.False(doc.Style.FinalNewLine);
        Assert.Equal(text, doc.ToJson());
    }

    [Fact]
    public void New_strings_are_escaped_as_json_stringify_does()
    {
        var node = new JsonObject { ["s"] = "quote \" backslash \\ tab \t nl \n bell \u0007 é 🙂 <&>" };
        var text = NotebookJson.Write(node, NotebookJsonStyle.Default with { FinalNewLine = false });
        Assert.Equal("{\n \"s\": \"quote \\\" backslash \\\\ tab \\t nl \\n bell \\u0007 é 🙂 <&>\"\n}", text);
    }

    [Fact]
    public void Multiline_strings_split_like_nbformat()
    {
        var lines = NotebookJson.ToLines("a\nb\n\nc");
        Assert.Equal(["a\n", "b\n", "\n", "c"], lines.Select(l => l!.GetValue<string>()));
        Assert.Empty(NotebookJson.ToLines(string.Empty));
        Assert.Equal("a\nb\n\nc", NotebookJson.FromLines(lines));
        Assert.Equal("x", NotebookJson.FromLines(JsonValue.Create("x")));
    }

    [Fact]
    public void Missing_execution_count_is_inserted_where_jupyter_would_write_it()
    {
        var doc = NotebookDocument.Parse("""
            {
             "cells": [
              {
               "cell_type": "code",
               "metadata": {},
               "source": "1"
              }
             ],
             "metadata": {},
             "nbformat": 4,
             "nbformat_minor": 2
            }
            """);
        doc.Cells[0].SetOutputs([], 3);
        Assert.Equal(["cell_type", "execution_count", "metadata", "outputs", "source"], doc.Cells[0].Json.Select(kv => kv.Key));
        Assert.Equal(3, doc.Cells[0].ExecutionCount);
    }

    [Fact]
    public void Dib_cells_and_metadata_are_read()
    {
        var doc = NotebookDocument.Load(Path.Combine(NotebookFixtures.Folder, "sample.dib"));
        Assert.Equal(NotebookFormat.Dib, doc.SourceFormat);
        Assert.Equal(["markdown", "code", "code"], doc.Cells.Select(c => c.CellType));
        Assert.Equal("# A .dib notebook\n\nTwo C# cells.", doc.Cells[0].Source);
        Assert.Equal("var n = 6;\nConsole.WriteLine(n * 7);", doc.Cells[1].Source);
        Assert.Equal("n + 1", doc.Cells[2].Source);
        Assert.All(doc.Cells.Skip(1), c => Assert.Equal("csharp", c.KernelName));
        Assert.Equal(".net-csharp", doc.Metadata["kernelspec"]!["name"]!.GetValue<string>());
        Assert.Equal(2, ((JsonArray)doc.Metadata["polyglot_notebook"]!["kernelInfo"]!["items"]!).Count);
        Assert.Equal("csharp", doc.Cells[1].Json["metadata"]!["dotnet_interactive"]!["language"]!.GetValue<string>());
    }

    [Fact]
    public void Dib_without_separators_is_one_csharp_cell_and_magics_inside_cells_stay()
    {
        var doc = NotebookDocument.ParseDib("var x = 1;\n#!time\nx\n\n#!fsharp\nlet y = 2\n");
        Assert.Equal(2, doc.Cells.Count);
        Assert.Equal("var x = 1;\n#!time\nx", doc.Cells[0].Source);
        Assert.Equal("fsharp", doc.Cells[1].KernelName);
    }

    [Fact]
    public void Invalid_notebooks_are_rejected_with_the_file_name()
    {
        var e = Assert.Throws<InvalidDataException>(() => NotebookDocument.Parse("{\"nbformat\": 3, \"cells\": []}", "old.ipynb"));
        Assert.Contains("old.ipynb", e.Message);
        Assert.Contains("nbformat 3", e.Message);
        Assert.Throws<InvalidDataException>(() => NotebookDocument.Parse("{ not json", "broken.ipynb"));
        Assert.Throws<InvalidDataException>(() => NotebookDocument.Parse("{\"metadata\": {}}"));
    }

    [Fact]
    public void Cell_directives_are_blanked_keeping_line_numbers()
    {
        var source = CellSource.Parse("#!csharp\n#r \"nuget: MathNet.Numerics, 5.0.0\"\n#r \"lib/a.dll\" // comment\n#i \"nuget: /feed\"\nvar x = 1;\n#region r\n#endregion");
        Assert.Equal("\n\n\n\nvar x = 1;\n#region r\n#endregion", source.Code);
        Assert.Equal(
            [(DirectiveKind.Magic, "csharp", 1), (DirectiveKind.NuGet, "MathNet.Numerics, 5.0.0", 2), (DirectiveKind.Reference, "lib/a.dll", 3), (DirectiveKind.Include, "nuget: /feed", 4)],
            source.Directives.Select(d => (d.Kind, d.Argument, d.Line)));
        var e = Assert.Throws<FormatException>(() => CellSource.Parse("var a = 1;\n#r nuget: X"));
        Assert.StartsWith("line 2:", e.Message);
        Assert.Equal(new NuGetPackage("A.B", "1.2.3"), NuGetPackage.Parse("A.B, 1.2.3"));
        Assert.Equal(new NuGetPackage("A.B", null), NuGetPackage.Parse(" A.B "));
    }
}
