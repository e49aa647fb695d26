using System.Text.Json.Nodes;
using Iau.Tests.Data;
using Iau.Tuning;

namespace Iau.Tests.Cli;

/// <summary>
/// `iau tune` writes nothing until its inputs are checked, and never truncates a file that is not its own: a JSON
/// file given as --journal, a recipe file of another kind, a file where a folder is expected (issue 25).
/// </summary>
public sealed class TuneProbeTests : IDisposable
{
    private readonly TempDir tmp = new();

    public void Dispose() => tmp.Dispose();

    /// <summary>`iau tune` of ssd on logreg; <paramref name="more"/> adds options or replaces the defaults of --journal, --cache, --recipes.</summary>
    private string[] Tune(params string[] more)
    {
        var paths = new Dictionary<string, string> { ["--journal"] = tmp.File("j.jsonl"), ["--cache"] = tmp.File("cache"), ["--recipes"] = tmp.File("recipes") };
        var rest = new List<string>();
        for (var i = 0; i < more.Length; i++)
        {
            if (paths.ContainsKey(more[i]))
            {
                paths[more[i]] = more[++i];
            }
            else
            {
                rest.Add(more[i]);
            }
        }

        return ["tune", "--method", "ssd", "--model", "logreg", "--data-path", tmp.File("no-data-here"), "--no-verify", .. paths.SelectMany(kv => new[] { kv.Key, kv.Value }), .. rest];
    }

    [Theory]
    [InlineData("{\"a\": 1}")] // one line, no newline: the old journal code cut it to nothing
    [InlineData("{\"a\": 1,\n \"b\": [1, 2]}")]
    [InlineData("")]
    public void A_json_file_that_is_not_a_journal_is_refused_and_left_byte_for_byte(string content)
    {
        var path = tmp.File("settings.json");
        File.WriteAllText(path, content);
        var before = File.ReadAllBytes(path);
        CliProbe.Fails(CliRunner.Run(Tune("--journal", path)), 1, path, "not a tuning journal", "left as it was");
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(Directory.Exists(tmp.File("recipes")));
        Assert.False(Directory.Exists(tmp.File("cache")));
    }

    [Fact]
    public void A_damaged_journal_line_is_named()
    {
        var spec = new TuningSpec("ssd", "fashion-mnist", "logreg", Budget: 20);
        var path = tmp.File("j.jsonl");
        var journal = TuningJournal.Open(path, spec);
        journal.Append(new TrialRecord(0, [], [], 0.1, false, null, 1));
        File.AppendAllText(path, "{\"Index\": 1, \"Options\": 7}\n");
        var before = File.ReadAllBytes(path);
        var line = CliProbe.Fails(CliRunner.Run(Tune()), 1, path, "line 3", "not a trial record");
        Assert.Contains("damaged", line);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_new_journal_is_written_only_when_a_trial_finishes()
    {
        // No data: the run fails after its checks, before the first trial, and leaves no journal behind.
        var r = CliRunner.Run(Tune());
        Assert.Equal(1, r.Code);
        Assert.False(File.Exists(tmp.File("j.jsonl")), "a header-only journal was left by a run that never ran a trial");
    }

    [Fact]
    public void Recipes_cache_or_journal_where_the_other_kind_is_expected_name_the_option()
    {
        var file = tmp.File("plain.txt");
        File.WriteAllText(file, "x");
        CliProbe.Fails(CliRunner.Run(Tune("--recipes", file)), 1, file, "(--recipes) is a file; give a folder");
        CliProbe.Fails(CliRunner.Run(Tune("--cache", file)), 1, file, "(--cache) is a file; give a folder");
        var folder = tmp.File("a-folder");
        Directory.CreateDirectory(folder);
        CliProbe.Fails(CliRunner.Run(Tune("--journal", folder)), 1, folder, "(--journal) is a folder");
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void A_recipe_file_that_cannot_be_merged_is_refused_before_any_trial_and_left_as_it_was()
    {
        var recipes = tmp.File("recipes");
        Directory.CreateDirectory(recipes);
        var path = Path.Combine(recipes, "fashion-mnist-logreg-random-0.05.json");
        File.WriteAllText(path, "{\"notes\": \"mine\"}");
        CliProbe.Fails(CliRunner.Run(Tune()), 1, path, "schema-1 recipe", "field schema");
        Assert.Equal("{\"notes\": \"mine\"}", File.ReadAllText(path));

        File.WriteAllText(path, "{\"schema\": 1, \"dataset\": \"cifar10\", \"methods\": {}}");
        CliProbe.Fails(CliRunner.Run(Tune()), 1, path, "field dataset", "cifar10");
        Assert.False(File.Exists(tmp.File("j.jsonl")));
    }

    [Fact]
    public void Max_seconds_minus_one_leaves_an_existing_recipe_entry_as_it_was()
    {
        var recipes = tmp.File("recipes");
        Directory.CreateDirectory(recipes);
        var path = Path.Combine(recipes, "fashion-mnist-logreg-random-0.05.json");
        var recipe = """{"schema": 1, "dataset": "fashion-mnist", "model": "logreg", "forget": "random-0.05", "methods": {"ssd": {"options": ["alpha=10"], "trials": 20}}}""";
        File.WriteAllText(path, recipe);
        CliProbe.Fails(CliRunner.Run(Tune("--max-seconds", "-1")), 2, "--max-seconds -1");
        Assert.Equal(recipe, File.ReadAllText(path));

        // And the library never replaces an entry with one no trial stands behind.
        var spec = new TuningSpec("ssd", "fashion-mnist", "logreg");
        var empty = Tuner.Summarise(spec, [], complete: false, []);
        var e = Assert.Throws<InvalidOperationException>(() => RecipeFile.Write(path, empty, "0.1.0", 1));
        Assert.Contains("left as it was", e.Message);
        Assert.Equal(recipe, File.ReadAllText(path));
        Assert.Equal("alpha=10", JsonNode.Parse(File.ReadAllText(path))!["methods"]!["ssd"]!["options"]![0]!.GetValue<string>());
    }
}
