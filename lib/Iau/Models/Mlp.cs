using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Iau.Models;

/// <summary>
/// Fully connected network for tabular data (Purchase100): flatten, then Linear→activation for each hidden
/// width of <see cref="ModelOptions.MlpHidden"/> (default 1024, 512, 256, 128 with tanh), then Linear→classes.
/// Works on any input shape by flattening it.
/// </summary>
public sealed class Mlp : IauModel
{
    /// <summary>Factory name.</summary>
    public const string Name = "mlp";

    private readonly Sequential layers;

    internal Mlp(long[] inputShape, int classes, ModelOptions options, int seed)
        : base(Name, inputShape, classes, options, seed)
    {
        var hidden = options.EffectiveMlpHidden;
        if (hidden.Any(h => h < 1))
        {
            throw new ArgumentException($"{Name}: hidden widths must be positive, got [{string.Join(",", hidden)}].", nameof(options));
        }

        var modules = new List<(string, nn.Module<Tensor, Tensor>)> { ("flatten", nn.Flatten()) };
        long width = inputShape.Aggregate(1L, (a, b) => a * b);
        for (var i = 0; i < hidden.Count; i++)
        {
            modules.Add(($"fc{i + 1}", nn.Linear(width, hidden[i])));
            modules.Add(($"act{i + 1}", options.Activation == MlpActivation.Tanh ? nn.Tanh() : nn.ReLU()));
            width = hidden[i];
        }

        modules.Add(("out", nn.Linear(width, classes)));
        layers = nn.Sequential(modules);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        return layers.call(input);
    }
}
