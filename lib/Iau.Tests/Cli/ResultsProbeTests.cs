using Iau.Experiments;
using Iau.Tests.Data;

namespace Iau.Tests.Cli;

/// <summary>Results are never dropped: merges refuse to lose rows, rows without keys are reported, Markdown survives pipes.</summary>
public sealed class ResultsProbeTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    internal static ResultRow Row(string method, int seed = 0, string variant = "", string experiment = "main") => new(
        experiment, $"{experiment}/fashion-mnist/lenet5/{variant}/{method}/{seed}", "h", "fashion-mnist", "lenet5", method, variant, seed,
        new Dictionary<string, double> { ["TA"] = 0.9, ["RA"] = 0.91, ["FA"] = 0.9, ["UA"] = 0.1, ["MIA_shadow"] = 0.5, ["RTE"] = 1.5 },
        new Dictionary<string, string>(), "0.1.0", DateTimeOffset.UtcNow);

    private string Store(string name, params ResultRow[] rows)
    {
        var path = tmp.File(name);
        new ResultsStore(path).Add(rows);
        return path;
    }

    [Fact]
    public void Merge_needs_an_explicit_out()
    {
        var a = Store("a.jsonl", Row("iau"));
        CliProbe.Fails(CliRunner.Run("results", "merge", a), 2, "--out");
    }

    [Fact]
    public void Merge_refuses_to_drop_rows_of_an_existing_output()
    {
        var big = Store("results.jsonl", Row("retrain"), Row("iau"), Row("ga"), Row("ft"));
        var before = File.ReadAllText(big);
        var small = Store("three.jsonl", Row("iau", 1), Row("ga", 1), Row("ft", 1));
        CliProbe.Fails(CliRunner.Run("results", "merge", small, "--out", big), 1, big, "4 rows", "would drop them");
        Assert.Equal(before, File.ReadAllText(big));

        // Listed among the inputs, it is added to.
        var r = CliRunner.Run("results", "merge", big, small, "--out", big);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(7, ResultsStore.Read(big).Count);
    }

    [Fact]
    public void Row_without_a_key_is_reported_with_its_line()
    {
        var path = Store("r.jsonl", Row("retrain"), Row("iau"));
        var lines = File.ReadAllLines(path).ToList();
        lines.Add(lines[1].Replace("\"key\":", "\"keyX\":", StringComparison.Ordinal));
        File.WriteAllLines(path, lines);
        CliProbe.Fails(CliRunner.Run("results", "show", "--results", path), 1, path, "line 3", "without key");
        CliProbe.Fails(CliRunner.Run("figures", "--results", path, "--out", tmp.File("fig")), 1, path, "line 3");
    }

    [Fact]
    public void Two_rows_for_one_key_are_refused_not_averaged()
    {
        // Two files concatenated by hand: the same key twice, with different numbers (issue 25: TA 0.4352 ± 0.4583, n = 1).
        var path = Store("r.jsonl", Row("retrain"), Row("iau"), Row("ga"));
        var later = Row("iau") with { Metrics = new Dictionary<string, double>(Row("iau").Metrics) { ["TA"] = 0.1 }, CreatedUtc = DateTimeOffset.UtcNow.AddHours(1) };
        File.AppendAllLines(path, File.ReadAllLines(Store("later.jsonl", later)));
        var key = Row("iau").Key;
        foreach (var args in new[] { new[] { "results", "show", "--results", path }, ["results", "findings", "--results", path], ["figures", "--results", path, "--out", tmp.File("fig")] })
        {
            var r = CliRunner.Run(args);
            var line = CliProbe.Fails(r, 1, path, "lines 2 and 4", key, "one row per key");
            Assert.Contains("results merge", line);
            Assert.DoesNotContain("|", r.Out); // no table was printed
        }

        // merge keeps the newer row of the two, so the file can be repaired.
        var repaired = tmp.File("repaired.jsonl");
        var merged = CliRunner.Run("results", "merge", path, "--out", repaired);
        Assert.True(merged.Code == 0, merged.Err);
        Assert.Equal(3, ResultsStore.Read(repaired).Count);
        Assert.Equal(0.1, ResultsStore.Read(repaired).Single(x => x.Method == "iau").Metrics["TA"]);
    }

    [Fact]
    public void Piped_markdown_is_never_wrapped()
    {
        var wide = "iau-" + new string('w', 220); // a row far wider than the 200-column console
        var path = Store("wide.jsonl", Row("retrain"), Row("iau"), Row(wide));
        var r = CliRunner.Run("results", "show", "--results", path);
        Assert.True(r.Code == 0, r.Err);
        var table = r.Out.Split('\n').Select(l => l.TrimEnd('\r')).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.Length > 0).ToList();
        Assert.True(table.Count >= 4, r.Out);
        Assert.All(table, l => Assert.True(l.StartsWith('|') && l.EndsWith('|'), $"broken Markdown row: {l}"));
        Assert.Single(table.Select(l => l.Count(c => c == '|')).Distinct());
        Assert.Contains(table, l => l.Length > 200);
    }
}
