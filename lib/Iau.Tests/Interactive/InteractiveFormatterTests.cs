using System.Reflection;
using System.Text.Json.Nodes;
using Deedle;
using Deedle.Internal;
using Iau.Interactive;
using Iau.Tests.Data;

namespace Iau.Tests.Interactive;

public class InteractiveFormatterTests
{
    private sealed record Row(string Name, int Count);

    [Fact]
    public void A_frame_is_a_compact_table_of_its_rows()
    {
        var frame = Frame.FromRecords(Enumerable.Range(0, 100).Select(i => new Row($"r{i}", i)));
        var html = FrameFormatter.Html((IFrameFormattable)frame);
        Assert.StartsWith("<table class=\"iau-frame\">", html);
        Assert.Contains("<th>Name</th><th>Count</th>", html);
        Assert.Contains("<td>r0</td>", html);
        Assert.Contains("<td>r99</td>", html);
        Assert.DoesNotContain("<td>r50</td>", html);   // the middle of a long frame is elided
        Assert.Contains("100 rows × 2 columns", html);
        Assert.True(html.Length < 5_000, $"{html.Length} characters");
        Assert.Contains("r99", FrameFormatter.PlainText((IFrameFormattable)frame));
    }

    [Fact]
    public void A_chart_is_interactive_with_its_png_inside_and_never_carries_plotly_js()
    {
        var chart = Plotly.NET.CSharp.Chart.Line<double, double, string>(x: new double[] { 1, 2, 3 }, y: new double[] { 1, 4, 9 });
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3];
        var html = ChartFormatter.Html(chart, png);
        Assert.Contains("class=\"iau-chart\"", html);
        Assert.Contains("src=\"data:image/png;base64," + System.Convert.ToBase64String(png) + "\"", html);
        Assert.Contains("newPlot(", html);
        Assert.Contains(ChartFormatter.PlotlyCdn, html);
        Assert.True(html.Length < 50_000, $"{html.Length} characters: plotly.js must not be inlined");
        Assert.DoesNotContain("<img", ChartFormatter.Html(chart, null));
        Assert.StartsWith("Plotly chart untitled: 1 trace", ChartFormatter.PlainText(chart));
    }

    [Fact]
    public void A_chart_with_too_much_data_is_its_png_only()
    {
        var xs = Enumerable.Range(0, 20_000).Select(i => i / 20_000.0).ToArray();
        var chart = Plotly.NET.CSharp.Chart.Line<double, double, string>(x: xs, y: xs);
        var html = ChartFormatter.Html(chart, [1, 2, 3]);
        Assert.Contains("<img", html);
        Assert.DoesNotContain("newPlot(", html);
        Assert.Contains("interactive version is left out", html);
        Assert.True(html.Length < 2_000, $"{html.Length} characters");
    }

    [Fact]
    public void Result_rows_are_one_table()
    {
        var rows = Enumerable.Range(0, 3).Select(s => new Iau.Experiments.ResultRow("main", $"k{s}", "h", "fashion-mnist", "lenet5", "iau", "", s,
            new Dictionary<string, double> { ["TA"] = 0.8 + s / 100.0 }, new Dictionary<string, string>(), "0.1.0", DateTimeOffset.UnixEpoch)).ToList();
        var html = KitTableFormatter.Html(rows);
        Assert.Contains("<th>TA</th>", html);
        Assert.Contains("<td>0.82</td>", html);
        Assert.Contains("3 result rows", html);
    }

    [Fact]
    public void The_redirect_answers_only_its_names_with_the_loaded_copy()
    {
        AssemblyRedirect.Install();
        Assert.Null(AssemblyRedirect.Resolve(new AssemblyName("Not.A.Kit.Assembly, Version=1.0.0.0")));
        var loaded = typeof(Microsoft.FSharp.Core.FSharpOption<int>).Assembly;
        var answer = AssemblyRedirect.Resolve(new AssemblyName("FSharp.Core, Version=99.0.0.0"));
        Assert.Equal(loaded.GetName().Name, answer?.GetName().Name);
        Assert.True(answer!.GetName().Version >= loaded.GetName().Version);
    }

    [Fact]
    public void The_repository_root_is_found_from_any_folder_inside_it()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File(NotebookPaths.Marker), "");
        var deep = Directory.CreateDirectory(Path.Combine(tmp.Path, "notebooks", "sub")).FullName;
        Assert.Equal(Path.GetFullPath(tmp.Path), NotebookPaths.RepositoryRoot(deep));
        var outside = Path.Combine(Path.GetTempPath(), "iau-no-repo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(outside);
        try
        {
            var e = Assert.Throws<DirectoryNotFoundException>(() => NotebookPaths.RepositoryRoot(outside));
            Assert.Contains("IAU_REPO", e.Message);
        }
        finally
        {
            Directory.Delete(outside);
        }
    }

    [Fact]
    public void The_kernel_setup_registers_frames_results_and_charts_after_the_redirect()
    {
        var registered = new List<(Type, string)>();
        var preferred = new Dictionary<Type, string[]>();
        KernelSetup.Run((t, m, f) => registered.Add((t, m)), (t, m) => preferred[t] = m);
        Assert.Contains((typeof(Frame<,>), MimeTypes.Html), registered);
        Assert.Contains((typeof(Plotly.NET.GenericChart), MimeTypes.Html), registered);
        Assert.Equal(MimeTypes.Html, preferred[typeof(Frame<,>)][0]);
        Assert.Equal(ChartImages.BrowserPresent, preferred[typeof(Plotly.NET.GenericChart)].Contains(MimeTypes.Png));
    }
}
