using System.Text.Json;
using Iau.Data;
using Iau.Tests.Data;
using Iau.Training;

namespace Iau.Tests.Cli;

/// <summary>
/// `iau unlearn --stream FILE`: requests answered in order, the model written at the stride, a stream resumed (after
/// requests were appended) ending with the weights of an uninterrupted one, and every bad input one line with its code.
/// </summary>
public sealed class StreamProbeTests : IDisposable
{
    private readonly TempDir tmp = new();
    private readonly string data;
    private readonly string model;
    private readonly int[] train;
    private readonly int[] valid;

    public StreamProbeTests()
    {
        data = Path.Combine(tmp.Path, "data");
        CliProbe.WriteLearnable(data);
        model = Path.Combine(tmp.Path, "m.ckpt");
        var r = CliRunner.Run(["train", "--model", "logreg", "--max-epochs", "2", "--store-gradient", "--out", model, .. DataArgs]);
        Assert.True(r.Code == 0, r.Err);
        using var split = JsonDocument.Parse(File.ReadAllText(model + ".split.json"));
        train = [.. split.RootElement.GetProperty("train").EnumerateArray().Select(e => e.GetInt32())];
        valid = [.. split.RootElement.GetProperty("valid").EnumerateArray().Select(e => e.GetInt32())];
    }

    private string[] DataArgs => ["--data-path", data, "--no-verify", "--no-download", "--threads", "1"];

    /// <summary>Request k of the stream: 6 training-split ids, disjoint from the other requests'.</summary>
    private string Line(int k) => string.Join(", ", train.Skip(6 * k).Take(6));

    private string StreamFile(string name, params string[] lines)
    {
        var path = Path.Combine(tmp.Path, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private (int Code, string Out, string Err) Stream(string file, string outDir, string method, params string[] extra) =>
        CliRunner.Run(["unlearn", "--model", model, "--method", method, "--stream", file, "--out", outDir, .. extra, .. DataArgs]);

    private static string Fingerprint(string checkpoint)
    {
        using var loaded = Checkpoint.Load(checkpoint);
        return Iau.Unlearning.GradientCache.Fingerprint(loaded.Model);
    }

    [Theory]
    [InlineData("iau")]
    [InlineData("iau-cached")]
    [InlineData("ft")]
    public void A_resumed_stream_ends_with_the_weights_of_an_uninterrupted_one(string method)
    {
        var lines = new[] { "# four requests", Line(0), Line(1), "", Line(2), Line(3) };
        var whole = Path.Combine(tmp.Path, "whole-" + method);
        var r = Stream(StreamFile($"all-{method}.txt", lines), whole, method);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("request 4/4 (line 6)", r.Out);

        // The same stream, answered in two runs: the first sees two requests, the second the file with two appended.
        var parts = Path.Combine(tmp.Path, "parts-" + method);
        var file = StreamFile($"part-{method}.txt", lines[..3]);
        r = Stream(file, parts, method);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("request 2/2", r.Out);
        File.AppendAllLines(file, lines[3..]);
        r = Stream(file, parts, method);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("resuming", r.Out);
        Assert.Contains("at request 3 of 4 (line 5)", r.Out);
        Assert.DoesNotContain("request 1/4", r.Out);

        for (var k = 1; k <= 4; k++)
        {
            var name = $"request-{k:D4}.ckpt";
            Assert.Equal(Fingerprint(Path.Combine(whole, name)), Fingerprint(Path.Combine(parts, name)));
        }

        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(parts, "stream.json")));
        Assert.Equal(4, state.RootElement.GetProperty("answered").GetInt32());
        Assert.Equal(4, state.RootElement.GetProperty("steps").GetArrayLength());
        var last = state.RootElement.GetProperty("steps")[3];
        Assert.Equal(6, last.GetProperty("forgotten").GetInt32());
        Assert.Equal(train.Length - 24, last.GetProperty("remaining").GetInt32());
        Assert.Equal(6, last.GetProperty("line").GetInt32());

        // Nothing new: nothing to do.
        r = Stream(file, parts, method);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("all 4 requests are answered", r.Out);
    }

    [Fact]
    public void The_stride_writes_every_kth_model_and_the_last_and_the_cached_stream_keeps_its_gradient()
    {
        var outDir = Path.Combine(tmp.Path, "stride");
        var r = Stream(StreamFile("stride.txt", Line(0), Line(1), Line(2)), outDir, "iau-cached", "--stride", "2", "--refresh", "never");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(["request-0002.ckpt", "request-0003.ckpt", "stream.json"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("gradcache.count", Checkpoint.ReadMetadata(Path.Combine(outDir, "request-0003.ckpt")).ExtraTensors);
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "stream.json")));
        var steps = state.RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["cache (exact)", "cache (approximate)", "cache (approximate)"], steps.Select(s => s.GetProperty("retainGradient").GetString()));
        Assert.Equal(JsonValueKind.Null, steps[0].GetProperty("testAccuracy").ValueKind); // evaluated only where a model is written
        Assert.InRange(steps[1].GetProperty("testAccuracy").GetDouble(), 0, 1);
        Assert.Equal("never", state.RootElement.GetProperty("refresh").GetString());
    }

    [Fact]
    public void A_resume_that_would_not_continue_the_same_stream_is_refused_naming_what_differs()
    {
        var outDir = Path.Combine(tmp.Path, "same");
        var file = StreamFile("same.txt", Line(0), Line(1));
        Assert.Equal(0, Stream(file, outDir, "ft").Code);
        var state = Path.Combine(outDir, "stream.json");
        CliProbe.Fails(Stream(file, outDir, "ga"), 1, state, "method (--method) was 'ft', now 'ga'");
        CliProbe.Fails(Stream(file, outDir, "ft", "--seed", "3"), 1, state, "seed");
        CliProbe.Fails(Stream(file, outDir, "ft", "--opt", "epochs=2"), 1, state, "options (--opt)");
        var changed = StreamFile("changed.txt", Line(0), Line(2), Line(3));
        CliProbe.Fails(Stream(changed, outDir, "ft"), 1, changed, "line 2", "request 2 is not the one answered");
        var shorter = StreamFile("shorter.txt", Line(0));
        CliProbe.Fails(Stream(shorter, outDir, "ft"), 1, shorter, "2 were already answered");
        File.WriteAllText(state, "{\"schema\": 7}");
        CliProbe.Fails(Stream(file, outDir, "ft"), 1, state, "not a stream state");
        File.WriteAllText(state, "not json");
        CliProbe.Fails(Stream(file, outDir, "ft"), 1, state, "not a stream state");
    }

    [Fact]
    public void A_bad_stream_file_is_one_line_naming_the_file_and_line()
    {
        var outDir = Path.Combine(tmp.Path, "bad");
        var text = StreamFile("text.txt", Line(0), "two");
        CliProbe.Fails(Stream(text, outDir, "iau"), 1, text, "line 2", "'two' is not an integer");
        var val = StreamFile("valid.txt", Line(0), valid[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
        CliProbe.Fails(Stream(val, outDir, "iau"), 1, val, "line 2", "validation sample");
        var outside = StreamFile("outside.txt", "100000");
        CliProbe.Fails(Stream(outside, outDir, "iau"), 1, outside, "line 1", "outside the training set");
        var twice = StreamFile("twice.txt", Line(0), "# again", train[3].ToString(System.Globalization.CultureInfo.InvariantCulture));
        CliProbe.Fails(Stream(twice, outDir, "iau"), 1, twice, "line 3", "already requested on line 1");
        var empty = StreamFile("empty.txt", "# nothing", "");
        CliProbe.Fails(Stream(empty, outDir, "iau"), 1, empty, "holds no request");
        var all = StreamFile("all.txt", string.Join(" ", train));
        CliProbe.Fails(Stream(all, outDir, "iau"), 1, all, "leaves no retain set");
        var missing = Path.Combine(tmp.Path, "absent.txt");
        CliProbe.Fails(Stream(missing, outDir, "iau"), 1, missing, "not found");
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFiles(outDir).Any());
    }

    [Fact]
    public void Stream_options_that_do_not_fit_are_usage_errors_before_any_work()
    {
        var file = StreamFile("usage.txt", Line(0));
        var outDir = Path.Combine(tmp.Path, "usage");
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", model, "--stream", file, .. DataArgs]), 2, "--stream needs --out");
        CliProbe.Fails(Stream(file, outDir, "iau,ft"), 2, "one method");
        CliProbe.Fails(Stream(file, outDir, "iau", "--stride", "0"), 2, "--stride 0");
        CliProbe.Fails(Stream(file, outDir, "iau", "--refresh", "2"), 2, "--refresh applies to --method iau-cached");
        CliProbe.Fails(Stream(file, outDir, "iau-cached", "--refresh", "soon"), 2, "--refresh soon");
        CliProbe.Fails(Stream(file, outDir, "iau", "--forget-ratio", "0.1"), 2, "drop --forget-ratio");
        CliProbe.Fails(CliRunner.Run(["unlearn", "--model", model, "--stride", "2", .. DataArgs]), 2, "--stride applies to a stream");
        var inOut = Path.Combine(outDir, "stream.json");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(inOut, Line(0));
        CliProbe.Fails(Stream(inOut, outDir, "iau"), 2, "would write over", inOut);
        Assert.Equal(Line(0), File.ReadAllText(inOut)); // the input is left as it was
    }

    public void Dispose() => tmp.Dispose();
}
