using System.Buffers.Binary;
using System.Xml.Linq;
using Iau.Reporting;
using static Iau.Tests.Reporting.ReportingRows;

namespace Iau.Tests.Reporting;

public sealed class FigureExportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "iau-figure-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void PlotlyJs_IsTheBundleInsidePlotlyNet()
    {
        Assert.True(FigureExport.PlotlyJs.Length > 1_000_000);
        Assert.Contains("plotly.js v2.28.0", FigureExport.PlotlyJs, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteHtml_IsSelfContained_AndAtomic()
    {
        var path = Path.Combine(_dir, "sub", "bars.html");
        FigureExport.WriteHtml(Charts.MetricBars(MainRows(), ["TA"], "Bars"), path);

        var html = File.ReadAllText(path);
        // No script comes from the network (plotly.js itself names cdn.plot.ly only as a topojson default).
        Assert.DoesNotMatch(@"<script[^>]*\bsrc\s*=", html);
        Assert.DoesNotContain("src=\"https://cdn.plot.ly", html, StringComparison.Ordinal);
        Assert.Contains("plotly.js v2.28.0", html, StringComparison.Ordinal);
        Assert.Contains("Plotly.newPlot", html, StringComparison.Ordinal);
        Assert.Contains("\"Bars\"", html, StringComparison.Ordinal);
        // Written through a temporary file that is gone now.
        Assert.Equal(["bars.html"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));

        // Overwriting works and leaves no temporary file either.
        FigureExport.WriteHtml(Charts.MetricBars(MainRows(), ["FA"], "Bars 2"), path, "Bars $1 <2>");
        var second = File.ReadAllText(path);
        Assert.Contains("\"Bars 2\"", second, StringComparison.Ordinal);
        Assert.Contains("<title>Bars $1 &lt;2&gt;</title>", second, StringComparison.Ordinal);
        Assert.Contains("<title>plotly-logomark</title>", second, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void SharedScriptHtml_LoadsPlotlyJsBesideIt_WrittenOnce()
    {
        var path = Path.Combine(_dir, "bars.html");
        FigureExport.WriteHtmlWithSharedScript(Charts.MetricBars(MainRows(), ["TA"], "Bars"), path, "Bars");
        Directory.CreateDirectory(_dir);
        Assert.Equal("plotly.min.js", FigureExport.WriteSharedScript(_dir));
        var script = Path.Combine(_dir, "plotly.min.js");
        var written = File.GetLastWriteTimeUtc(script);
        FigureExport.WriteSharedScript(_dir);

        var html = File.ReadAllText(path);
        Assert.Contains("<script type=\"text/javascript\" src=\"plotly.min.js\" charset=\"utf-8\"></script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("cdn.plot.ly", html, StringComparison.Ordinal);
        Assert.True(html.Length < 100_000);
        Assert.Equal(FigureExport.PlotlyJs, File.ReadAllText(script));
        Assert.Equal(written, File.GetLastWriteTimeUtc(script));
    }

    [Fact]
    public void SharedScript_OfANestedFigureSet_IsTheOneInTheFolderAbove()
    {
        var nested = Path.Combine(_dir, "fmnist-paper");
        Directory.CreateDirectory(nested);
        // No copy above yet: the nested folder gets its own.
        Assert.Equal("plotly.min.js", FigureExport.WriteSharedScript(nested));
        File.Delete(Path.Combine(nested, "plotly.min.js"));

        Assert.Equal("plotly.min.js", FigureExport.WriteSharedScript(_dir));
        var script = FigureExport.WriteSharedScript(nested);
        Assert.Equal("../plotly.min.js", script);
        Assert.Empty(Directory.GetFiles(nested));
        var page = Path.Combine(nested, "bars.html");
        FigureExport.WriteHtmlWithSharedScript(Charts.MetricBars(MainRows(), ["TA"], "Bars"), page, "Bars", script);
        Assert.Contains("src=\"../plotly.min.js\"", File.ReadAllText(page), StringComparison.Ordinal);

        // A different file above (another plotly.js version) is not borrowed.
        File.WriteAllText(Path.Combine(_dir, "plotly.min.js"), "/* plotly.js v1 */");
        Assert.Equal("plotly.min.js", FigureExport.WriteSharedScript(nested));
        Assert.Equal(FigureExport.PlotlyJs, File.ReadAllText(Path.Combine(nested, "plotly.min.js")));
    }

    [Fact]
    public void PngDpi_WritesAndReadsThePhysChunk()
    {
        // A 1×1 PNG (IHDR, IDAT, IEND).
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
        Assert.Null(PngDpi.ReadDpi(png));
        var at300 = PngDpi.WithDpi(png, 300);
        Assert.Equal(300, PngDpi.ReadDpi(at300)!.Value, 0);
        Assert.Equal(png.Length + 21, at300.Length);
        // Replacing keeps one chunk.
        var again = PngDpi.WithDpi(at300, 150);
        Assert.Equal(at300.Length, again.Length);
        Assert.Equal(150, PngDpi.ReadDpi(again)!.Value, 0);
        Assert.Throws<ArgumentException>(() => PngDpi.WithDpi([1, 2, 3], 300));
    }

    [Fact]
    public void PngCompression_deflates_again_at_the_smallest_size_and_keeps_every_scanline()
    {
        // A 64×64 RGB image (filter byte 0 per row) deflated at the fastest level, split over two IDAT chunks.
        var raw = new byte[64 * ((64 * 3) + 1)];
        for (var y = 0; y < 64; y++)
        {
            for (var x = 0; x < 64 * 3; x++)
            {
                raw[(y * ((64 * 3) + 1)) + 1 + x] = (byte)((x / 3 * 4) ^ (y * 4));
            }
        }

        byte[] fast;
        using (var ms = new MemoryStream())
        {
            using (var z = new System.IO.Compression.ZLibStream(ms, System.IO.Compression.CompressionLevel.NoCompression, leaveOpen: true))
            {
                z.Write(raw);
            }

            fast = ms.ToArray();
        }

        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, 64);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), 64);
        ihdr[8] = 8;
        ihdr[9] = 2;
        var half = fast.Length / 2;
        var png = Png(("IHDR", ihdr), ("IDAT", fast[..half]), ("IDAT", fast[half..]), ("IEND", []));

        var small = PngCompression.Smallest(png);
        Assert.True(small.Length < png.Length / 2, $"{small.Length} bytes from {png.Length}");
        var chunks = Chunks(small);
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(c => c.Type));
        Assert.All(chunks, c => Assert.Equal(c.Crc, PngDpi.Crc(small.AsSpan(c.Start + 4, 4 + c.Length))));
        using var inflated = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(new MemoryStream(small, chunks[1].Start + 8, chunks[1].Length), System.IO.Compression.CompressionMode.Decompress))
        {
            z.CopyTo(inflated);
        }

        Assert.Equal(raw, inflated.ToArray());
        Assert.Throws<ArgumentException>(() => PngCompression.Smallest([1, 2, 3]));
    }

    private static byte[] Png(params (string Type, byte[] Data)[] chunks)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        foreach (var (type, data) in chunks)
        {
            var c = new byte[12 + data.Length];
            BinaryPrimitives.WriteInt32BigEndian(c, data.Length);
            System.Text.Encoding.ASCII.GetBytes(type).CopyTo(c, 4);
            data.CopyTo(c, 8);
            BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(8 + data.Length), PngDpi.Crc(c.AsSpan(4, 4 + data.Length)));
            ms.Write(c);
        }

        return ms.ToArray();
    }

    private static List<(string Type, int Start, int Length, uint Crc)> Chunks(byte[] png)
    {
        var list = new List<(string, int, int, uint)>();
        for (var pos = 8; pos + 12 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            list.Add((System.Text.Encoding.ASCII.GetString(png, pos + 4, 4), pos, length, BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length))));
            pos += 12 + length;
        }

        return list;
    }

    [Fact]
    public void InlinePlotly_ReplacesCdnScriptTags()
    {
        var page = "<html><head><script src=\"https://cdn.plot.ly/plotly-2.28.0.min.js\" charset=\"utf-8\"></script></head><body></body></html>";
        var inlined = FigureExport.InlinePlotly(page);
        Assert.DoesNotContain("<script src=", inlined, StringComparison.Ordinal);
        Assert.Contains("plotly.js v2.28.0", inlined, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Images_MissingBrowser_AreSkippedWithAClearMessage()
    {
        var options = new ImageExportOptions { ExecutablePath = "/nonexistent/chromium" };
        var result = await FigureExport.TryWriteImagesAsync(
            Charts.MetricBars(MainRows(), ["TA"]), Path.Combine(_dir, "bars"), 400, 300, options);

        Assert.False(result.Succeeded);
        Assert.Null(result.PngPath);
        Assert.Equal("PNG/SVG/PDF skipped: /nonexistent/chromium not found; apt-get install chromium", result.Message);
        Assert.False(Directory.Exists(_dir) && Directory.EnumerateFileSystemEntries(_dir).Any());
    }

    [Fact]
    public async Task Images_PngAndSvg_OrAClearMessage()
    {
        var charts = new[]
        {
            (Chart: Charts.MetricBars(MainRows(), ["TA", "FA"], "Bars"), BasePath: Path.Combine(_dir, "bars")),
            (Chart: Charts.TradeOff(MainRows()), BasePath: Path.Combine(_dir, "tradeoff")),
        };
        var results = await FigureExport.TryWriteImagesAsync(charts, 640, 400, new ImageExportOptions { Pdf = true, Scale = ImageExportOptions.ForDpi(300), DropTitle = true });

        Assert.Equal(2, results.Count);
        if (!File.Exists(ImageExportOptions.DefaultExecutablePath))
        {
            Assert.All(results, r =>
            {
                Assert.False(r.Succeeded);
                Assert.Equal("PNG/SVG/PDF skipped: /usr/bin/chromium not found; apt-get install chromium", r.Message);
            });
            return;
        }

        foreach (var r in results)
        {
            Assert.True(r.Succeeded, r.Message);
            var png = File.ReadAllBytes(r.PngPath!);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
            Assert.InRange(png.Length, 5_000, 5_000_000);
            // IHDR: the CSS size times 300/96, recorded as 300 dpi.
            Assert.Equal(2000, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
            Assert.Equal(1250, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
            Assert.Equal(300, PngDpi.ReadDpi(png)!.Value, 0);
            var pdf = File.ReadAllBytes(r.PdfPath!);
            Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));
            // One page of the chart's size: 640 × 400 CSS px = 480 × 300 pt.
            var text = System.Text.Encoding.Latin1.GetString(pdf);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, @"/Type\s*/Page\b"));
            Assert.Matches(@"/MediaBox\s*\[\s*0\s+0\s+480(\.0+)?\s+300(\.0+)?\s*\]", text);

            var svg = XDocument.Load(r.SvgPath!);
            Assert.Equal("svg", svg.Root!.Name.LocalName);
            Assert.Contains("<svg", File.ReadAllText(r.SvgPath!), StringComparison.Ordinal);
        }

        Assert.Equal(["bars.pdf", "bars.png", "bars.svg", "tradeoff.pdf", "tradeoff.png", "tradeoff.svg"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
