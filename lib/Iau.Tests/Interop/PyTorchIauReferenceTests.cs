using System.Text.Json;
using Iau.Data;
using Iau.Experiments;
using Iau.Interop;
using Iau.Models;
using Iau.Tests.Training;
using Iau.Unlearning;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Iau.Tests.Interop;

/// <summary>
/// The authors' IAU step on weights PyTorch trained: the fixture's GR LeNet5 (make_fixture.py: Lolo1222/IAU's
/// layout, α = 0.005, 6 epochs on 8,000 Fashion-MNIST images) is imported, unlearned by the kit's IAU with the
/// paper preset on the fixture's forget set (400 images; retain 7,600), and compared with iau_reference.py, which
/// takes the same step in PyTorch 1.13 as the authors' IAU_unlearn.py does (both gradients over each whole set as
/// one batch, one fresh Adam step of lr 1e-3). The kit averages the gradients in chunks of 256, so the two steps
/// agree up to float rounding of the means; FA, RA and TA must agree within 0.002.
/// </summary>
public class PyTorchIauReferenceTests(ITestOutputHelper output)
{
    private const double Tolerance = 0.002;

    [RealFashionMnistFact]
    public void Kit_iau_on_pytorch_weights_matches_the_pytorch_reference_step()
    {
        TestRuntime.Ensure();
        var started = DateTime.UtcNow;
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var load = new LoadOptions(DataRoot: Path.GetTempPath(), AllowDownload: false);

        // In: the PyTorch file and its split (the fixture's, which carries the kit's fingerprint of the data).
        var data = DatasetLoader.Load("fashion-mnist", load);
        var split = DataSplit.Load(PyTorchFixture.File("split.json"), data);
        var original = folder.File("lenet5-gr.ckpt");
        var imported = PyTorchCheckpoint.Import(PyTorchFixture.File("lenet5_gr_fmnist.pt"), "lenet5", data, split, original);
        Assert.Equal(TrainedModel.SplitPathFor(original), imported.SplitPath);

        // Unlearned by the kit, the way `iau unlearn --method iau` does it.
        using var session = UnlearnSession.Open(original, forget: null, load);
        var before = session.EvaluateOriginal();
        var (outcome, result) = session.Run(new IauMethod(IauOptions.PaperPreset), seed: 0);
        using var unlearned = result;

        // Out: saved as a checkpoint and exported; the export holds exactly the unlearned weights.
        var unlearnedCheckpoint = folder.File("lenet5-iau.ckpt");
        session.Save(outcome, result, unlearnedCheckpoint);
        var exported = folder.File("lenet5-iau.pt");
        var export = PyTorchCheckpoint.Export(unlearnedCheckpoint, exported);
        Assert.Equal(10, export.Tensors);
        using (var back = PyTorchModels.Import(exported, "lenet5", [1, 28, 28], 10))
        {
            Assert.True(back.StateEquals(result.Model));
        }

        PyTorchFixture.Keep(exported, "lenet5_iau.pt");

        // The reference: accuracies before and after, and its weights after the step.
        var reference = JsonDocument.Parse(File.ReadAllText(PyTorchFixture.File("iau_reference.json"))).RootElement;
        double Ref(string when, string metric) => reference.GetProperty(when).GetProperty(metric).GetDouble();
        Assert.Equal(session.Data.Forget.Count, reference.GetProperty("forget").GetInt32());
        Assert.Equal(session.Data.Retain.Count, reference.GetProperty("retain").GetInt32());
        using var referenceModel = PyTorchModels.Import(PyTorchFixture.File("iau_reference_unlearned.pt"), "lenet5", [1, 28, 28], 10);
        var (maxDiff, moved) = WeightDifference(result.Model, referenceModel);

        var rows = new[]
        {
            ("before", "FA", before.Forget, Ref("before", "FA")),
            ("before", "RA", before.Retain, Ref("before", "RA")),
            ("before", "TA", before.Test, Ref("before", "TA")),
            ("after", "FA", outcome.ForgetAccuracy, Ref("after", "FA")),
            ("after", "RA", outcome.RetainAccuracy, Ref("after", "RA")),
            ("after", "TA", outcome.TestAccuracy, Ref("after", "TA")),
        };
        foreach (var (when, metric, kit, torch) in rows)
        {
            output.WriteLine($"{when,-6} {metric}: kit {kit:F4}  PyTorch {torch:F4}  difference {kit - torch:+0.0000;-0.0000;0}");
        }

        output.WriteLine($"weights after the step: max |θ_kit − θ_PyTorch| = {maxDiff:E2}; coordinates differing by more than η/2 = 5e-4: {moved} of {result.Model.ParameterCount:N0}");
        output.WriteLine($"imported test accuracy {imported.TestAccuracy:F4}; kit IAU {outcome.Seconds:F3} s, PyTorch reference {reference.GetProperty("seconds").GetDouble():F3} s; test {(DateTime.UtcNow - started).TotalSeconds:F1} s");
        Assert.Equal(before.Test, imported.TestAccuracy);
        foreach (var (when, metric, kit, torch) in rows)
        {
            Assert.True(Math.Abs(kit - torch) <= Tolerance, $"{when} {metric}: kit {kit:F4}, PyTorch {torch:F4}");
        }

        // One Adam step moves every coordinate by about η = 1e-3 in the direction of −sign(g): the same step lands within
        // rounding of the reference, except where a gradient coordinate is so close to 0 that its sign differs.
        Assert.True(maxDiff < 2.5e-3, $"max weight difference {maxDiff}");
        Assert.True(moved <= result.Model.ParameterCount / 1000, $"{moved} coordinates differ by more than 5e-4");
    }

    private static (double Max, long Moved) WeightDifference(IauModel a, IauModel b)
    {
        using var scope = NewDisposeScope();
        var other = b.state_dict();
        double max = 0;
        long moved = 0;
        foreach (var (name, t) in a.state_dict())
        {
            var d = (t - other[name]).abs();
            max = Math.Max(max, d.max().item<float>());
            moved += (d > 5e-4).sum().item<long>();
        }

        return (max, moved);
    }
}
