using System.Text.Json;
using Iau.Data;
using static TorchSharp.torch;

namespace Iau.Tests.Interop;

/// <summary>
/// The files of Fixtures/pytorch, made once with Debian's python3-torch 1.13 by make_fixture.py and
/// iau_reference.py (committed beside them; CI needs no Python): state_dicts, the logits PyTorch computed on fixed
/// batches, the split of the IAU comparison and the reference step's result.
/// </summary>
internal static class PyTorchFixture
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch");

    public static string File(string name) => Path.Combine(Folder, name);

    private static readonly Lazy<JsonElement> LogitsJson = new(() => JsonDocument.Parse(System.IO.File.ReadAllText(File("logits.json"))).RootElement);

    /// <summary>The entry of logits.json for a model: file, inputShape, classes, logits.</summary>
    public static JsonElement Entry(string model) => LogitsJson.Value.GetProperty(model);

    public static long[] InputShape(string model) => Entry(model).GetProperty("inputShape").EnumerateArray().Select(e => e.GetInt64()).ToArray();

    public static int Classes(string model) => Entry(model).GetProperty("classes").GetInt32();

    public static string StateFile(string model) => File(Entry(model).GetProperty("file").GetString()!);

    /// <summary>The logits PyTorch computed, as a [B, K] float32 tensor (the caller disposes it).</summary>
    public static Tensor ExpectedLogits(string model)
    {
        var rows = Entry(model).GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray();
        return tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
    }

    /// <summary>
    /// The input the logits were computed on: LeNet5's 32 Fashion-MNIST test images (their bytes are in the
    /// fixture) in the kit's normalisation, or the formula batch of the other models.
    /// </summary>
    public static Tensor Input(string model)
    {
        var shape = InputShape(model);
        if (model == "lenet5")
        {
            var pixels = Convert.FromBase64String(Entry(model).GetProperty("pixels").GetString()!);
            var labels = Entry(model).GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var info = DatasetCatalog.Get("fashion-mnist");
            using var data = TensorData.FromRaw(new RawSamples([1, 28, 28], pixels, labels), null, info.Scale, info.Mean, info.Std);
            return data.Features.clone();
        }

        return FormulaBatch([4, .. shape]);
    }

    /// <summary>
    /// Copies an export the tests wrote to the folder named by IAU_PYTORCH_EXPORTS, when it is set, for
    /// reload_export.py to load in PyTorch (see that script).
    /// </summary>
    public static void Keep(string exported, string name)
    {
        var folder = Environment.GetEnvironmentVariable("IAU_PYTORCH_EXPORTS");
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
            System.IO.File.Copy(exported, Path.Combine(folder, name), overwrite: true);
        }
    }

    /// <summary>x[i] = ((i·37) mod 101) / 50 − 1 in float32 over the flat index: make_fixture.py computes the same values.</summary>
    public static Tensor FormulaBatch(long[] shape)
    {
        var n = shape.Aggregate(1L, (a, b) => a * b);
        var x = new float[n];
        for (long i = 0; i < n; i++)
        {
            x[i] = ((i * 37) % 101) / 50f - 1f;
        }

        return tensor(x, shape);
    }
}
