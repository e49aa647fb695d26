using System.Text.Json;
using Iau.Audit;

namespace Iau.Tests.Audit;

/// <summary>
/// The ε-score held to the NeurIPS 2023 challenge's reference metric.py (google-deepmind/unlearning_evaluation): the
/// fixture's pools and the per-example ε and F that metric.py computed for them, once, with Debian's python3-torch
/// (Fixtures/reference-metric/make_epsilon_fixture.py, which says how the reference was patched to run on a CPU).
/// </summary>
public class EpsilonReferenceTests
{
    private static readonly JsonElement Fixture = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "reference-metric", "epsilon_reference.json"))).RootElement;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixture.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Per_example_epsilon_and_forget_score_match_the_reference(string name)
    {
        var c = Case(name);
        var expected = Doubles(c.GetProperty("epsilons"));
        var r = EpsilonScore.Compute(Pool(c.GetProperty("unlearned")), Pool(c.GetProperty("retrained")));

        Assert.Equal(expected.Length, r.Epsilons.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - r.Epsilons[i]) <= 1e-6, $"{name}, example {i}: ε {r.Epsilons[i]} against the reference's {expected[i]}");
        }

        Assert.Equal(c.GetProperty("forget").GetDouble(), r.Forget, 1e-6);
    }

    [Fact]
    public void The_cases_cover_every_regime_of_the_score()
    {
        // A fixture of easy cases only would pin nothing: it must hold capped, zero-point and mid-range ε alike.
        var eps = Fixture.GetProperty("cases").EnumerateArray().SelectMany(c => Doubles(c.GetProperty("epsilons"))).ToArray();
        Assert.Contains(eps, e => e == EpsilonScore.Cap);
        Assert.Contains(eps, e => e < 1);
        Assert.Contains(eps, e => e is > 1 and < 10);
        Assert.Equal(EpsilonScore.Delta, Fixture.GetProperty("delta").GetDouble());
        Assert.Equal(EpsilonScore.Cap, Fixture.GetProperty("epsilon_cap").GetDouble());
    }

    [Fact]
    public void Logit_scaled_confidences_match_the_reference()
    {
        var c = Fixture.GetProperty("cases").EnumerateArray().Single(x => x.TryGetProperty("logits", out _));
        var logits = c.GetProperty("logits");
        var labels = logits.GetProperty("labels").EnumerateArray().Select(l => l.GetInt32()).ToArray();
        foreach (var pool in new[] { "unlearned", "retrained" })
        {
            var expected = Pool(c.GetProperty(pool));
            var models = logits.GetProperty(pool).EnumerateArray().ToArray();
            Assert.Equal(expected.Count, models.Length);
            for (var m = 0; m < models.Length; m++)
            {
                var rows = models[m].EnumerateArray().Select(Doubles).ToArray();
                for (var i = 0; i < rows.Length; i++)
                {
                    Assert.Equal(expected[m][i], LogitScaledConfidence.FromLogits(rows[i], labels[i]), 1e-9);
                }
            }
        }
    }

    /// <summary>
    /// Two constant, equal pools: every rule has FPR or FNR 0 and is discarded, and the reference stops ("all thresholds
    /// gave nan epsilon"). The kit gives ε = 0 there: the pools are identical, so nothing tells them apart.
    /// </summary>
    [Fact]
    public void Where_the_reference_fails_the_kit_gives_zero()
    {
        var failure = Fixture.GetProperty("reference_fails");
        Assert.Contains("all thresholds gave nan epsilon", failure.GetProperty("message").GetString());
        var r = EpsilonScore.Compute(Pool(failure.GetProperty("unlearned")), Pool(failure.GetProperty("retrained")));
        Assert.All(r.Epsilons, e => Assert.Equal(0, e));
        Assert.Equal(1, r.Forget);
    }

    private static JsonElement Case(string name) =>
        Fixture.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    private static List<double[]> Pool(JsonElement pool) => pool.EnumerateArray().Select(Doubles).ToList();
}
