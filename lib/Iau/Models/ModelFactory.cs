using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Models;

/// <summary>
/// Creates the kit's models by name. Initial weights are drawn from a private generator seeded with the
/// given seed (PyTorch's default distributions, see WeightInit), so the same seed always gives
/// bitwise-identical initial weights whatever else uses libtorch's global generator, on any thread.
/// (TorchSharp's layer constructors still draw their own, discarded, defaults from the global generator.)
/// Models are created as float32 on <see cref="Runtime.IauRuntime.Device"/>.
/// </summary>
public static class ModelFactory
{
    private static readonly Dictionary<string, Func<long[], int, ModelOptions, int, IauModel>> Builders =
        new(StringComparer.OrdinalIgnoreCase)
        {
            [LeNet5.Name] = (s, k, o, seed) => new LeNet5(s, k, o, seed),
            [Mlp.Name] = (s, k, o, seed) => new Mlp(s, k, o, seed),
            [ResNet18.Name] = (s, k, o, seed) => new ResNet18(s, k, o, seed),
            [Vgg19.Name] = (s, k, o, seed) => new Vgg19(s, k, o, seed),
            [LogisticRegression.Name] = (s, k, o, seed) => new LogisticRegression(s, k, o, seed),
        };

    /// <summary>The architecture names: lenet5, mlp, resnet18, vgg19, logreg.</summary>
    public static IReadOnlyList<string> Names { get; } = [LeNet5.Name, Mlp.Name, ResNet18.Name, Vgg19.Name, LogisticRegression.Name];

    /// <summary>Whether <paramref name="name"/> names an architecture (case-insensitive).</summary>
    public static bool IsKnown(string name)
    {
        return name is not null && Builders.ContainsKey(name);
    }

    /// <summary>
    /// Creates a model with seeded initial weights.
    /// </summary>
    /// <param name="name">Architecture (case-insensitive), one of <see cref="Names"/>.</param>
    /// <param name="inputShape">Shape of one sample: [C,H,W] for images, [F] for feature vectors.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="seed">Seed of the initial weights.</param>
    /// <param name="options">Architecture options (only the mlp reads them); null = defaults.</param>
    /// <exception cref="ArgumentException">Unknown name, or an input shape the architecture cannot take.</exception>
    public static IauModel Create(string name, long[] inputShape, int classes, int seed, ModelOptions? options = null)
    {
        var model = Build(name, inputShape, classes, seed, options ?? ModelOptions.Default);
        var device = Runtime.IauRuntime.Device;
        if (device.type != DeviceType.CPU)
        {
            model.to(device);
        }

        return model;
    }

    internal static IauModel Build(string name, long[] inputShape, int classes, int seed, ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(options);
        if (!Builders.TryGetValue(name, out var build))
        {
            throw new ArgumentException($"Unknown model '{name}'; known models: {string.Join(", ", Names)}.", nameof(name));
        }

        var model = build(inputShape, classes, options, seed);
        try
        {
            WeightInit.Apply(model, seed);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }
}
