using System.Globalization;
using System.Text.RegularExpressions;
using Iau.Models;

namespace Iau.Interop;

/// <summary>
/// How the kit's models are named in PyTorch: the <c>state_dict</c> keys of the PyTorch definition each kit
/// architecture corresponds to, tensor for tensor (same shapes, same computation).
/// <list type="bullet">
/// <item><c>lenet5</c>: the CNN of Lolo1222/IAU <c>train_model.py</c> — <c>conv1</c>, <c>conv2</c>, <c>fc1</c>,
/// <c>fc2</c>, <c>fc3</c> (its <c>pool</c> and <c>relu</c> hold no weights); <c>conv1</c> takes the dataset's
/// channels and <c>fc1</c> takes 16·4·4 inputs for 28×28 images, 16·5·5 for 32×32. Same names in the kit.</item>
/// <item><c>resnet18</c>: torchvision's <c>resnet18</c> names (<c>conv1</c>, <c>bn1</c>, <c>layer1.0.conv1</c>, …,
/// <c>layerN.0.downsample.0/1</c>, <c>fc</c>) with the CIFAR stem the kit uses: <c>m = torchvision.models.resnet18(num_classes=K);
/// m.conv1 = nn.Conv2d(C, 64, 3, 1, 1, bias=False); m.maxpool = nn.Identity()</c> (a 3×3 stride-1 first convolution and
/// no max pooling, as in kuangliu/pytorch-cifar). The kit calls <c>downsample</c> <c>shortcut</c> and <c>fc</c>
/// <c>linear</c>. A narrower network (first-stage width w instead of 64, later stages 2w, 4w, 8w) is imported as such.</item>
/// <item><c>vgg19</c>: kuangliu/pytorch-cifar <c>VGG('VGG19')</c> — <c>features.N</c> (conv, batch norm, ReLU; N
/// counts every layer including pooling) and one <c>classifier</c> Linear. Same names in the kit. Its pooling matches
/// PyTorch's on 32×32 inputs; on other sizes the kit pools with ceil_mode and averages to 1×1, so the PyTorch model
/// must do the same (neither changes the state_dict). torchvision's <c>vgg19_bn</c> (a 7×7 pooled, three-layer
/// 4096-wide classifier) is a different network and does not fit.</item>
/// <item><c>mlp</c>: a plain <c>nn.Sequential(nn.Linear(F, h1), nn.Tanh(), …, nn.Linear(hk, K))</c> — keys
/// <c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, …; the hidden widths are read from the file, the activation
/// (tanh or ReLU) cannot be and is given. The kit's names are <c>layers.fc1</c>, …, <c>layers.out</c>.</item>
/// <item><c>logreg</c>: one <c>nn.Linear(F, K)</c> — keys <c>weight</c>, <c>bias</c> (the kit's <c>linear.weight</c>,
/// <c>linear.bias</c>).</item>
/// </list>
/// Batch-norm layers carry <c>running_mean</c>, <c>running_var</c> and <c>num_batches_tracked</c> in both.
/// </summary>
public static partial class PyTorchLayout
{
    /// <summary>One line naming the PyTorch definition whose state_dict fits <paramref name="architecture"/>.</summary>
    public static string Describe(string architecture) => architecture.ToLowerInvariant() switch
    {
        LeNet5.Name => "Lolo1222/IAU train_model.py CNN: conv1, conv2, fc1, fc2, fc3",
        ResNet18.Name => "torchvision resnet18 names with the CIFAR stem (conv1 3×3 stride 1, maxpool = Identity): conv1, bn1, layer1..4.{0,1}.{conv,bn}{1,2}, layerN.0.downsample.{0,1}, fc",
        Vgg19.Name => "kuangliu/pytorch-cifar VGG('VGG19'): features.N (conv, batch norm), classifier",
        Mlp.Name => "nn.Sequential(Linear, activation, …, Linear): 0.weight, 0.bias, 2.weight, …",
        LogisticRegression.Name => "one nn.Linear: weight, bias",
        _ => throw new ArgumentException($"Unknown model '{architecture}'; known models: {string.Join(", ", ModelFactory.Names)}.", nameof(architecture)),
    };

    /// <summary>
    /// The model's state names paired with their PyTorch names, in the model's state order (parameters and
    /// buffers, as <c>state_dict()</c> lists them).
    /// </summary>
    public static IReadOnlyList<(string Kit, string PyTorch)> Names(IauModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var keys = model.state_dict().Keys.ToList();
        var hidden = model.Architecture == Mlp.Name ? model.Options.EffectiveMlpHidden.Count : 0;
        return keys.Select(k => (k, ToPyTorch(model.Architecture, k, hidden))).ToList();
    }

    /// <summary>
    /// Architecture options a state_dict implies: the mlp's hidden widths (with <paramref name="activation"/>),
    /// the first-stage width of resnet18 and vgg19. Defaults where the file does not say (its keys are then
    /// reported as missing or unexpected).
    /// </summary>
    public static ModelOptions InferOptions(string architecture, IReadOnlyDictionary<string, TorchSharp.torch.Tensor> state, MlpActivation activation = MlpActivation.Tanh)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(state);
        switch (architecture.ToLowerInvariant())
        {
            case Mlp.Name:
                {
                    var linears = state
                        .Select(kv => (Match: SequentialWeight().Match(kv.Key), kv.Value))
                        .Where(x => x.Match.Success && x.Value.shape.Length == 2)
                        .Select(x => (Index: int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), Out: (int)x.Value.shape[0]))
                        .OrderBy(x => x.Index)
                        .ToList();
                    return linears.Count >= 1
                        ? new ModelOptions(MlpHidden: linears.Take(linears.Count - 1).Select(x => x.Out).ToList(), Activation: activation)
                        : new ModelOptions(Activation: activation);
                }

            case ResNet18.Name:
                return WidthOf(state, "conv1.weight");
            case Vgg19.Name:
                return WidthOf(state, "features.0.weight");
            default:
                return ModelOptions.Default;
        }
    }

    /// <summary>Which kit architecture a set of PyTorch names looks like (for error messages), or null.</summary>
    public static string? Guess(IEnumerable<string> keys)
    {
        var k = keys.ToHashSet(StringComparer.Ordinal);
        return k.Contains("fc3.weight") && k.Contains("conv2.weight") ? LeNet5.Name
            : k.Contains("layer1.0.conv1.weight") ? ResNet18.Name
            : k.Contains("features.0.weight") && k.Contains("classifier.weight") ? Vgg19.Name
            : k.Contains("0.weight") ? Mlp.Name
            : k.SetEquals(["weight", "bias"]) ? LogisticRegression.Name
            : null;
    }

    private static string ToPyTorch(string architecture, string key, int hidden)
    {
        switch (architecture)
        {
            case LogisticRegression.Name:
                return key.StartsWith("linear.", StringComparison.Ordinal) ? key["linear.".Length..] : key;
            case Mlp.Name:
                {
                    var m = MlpKey().Match(key);
                    if (!m.Success)
                    {
                        return key;
                    }

                    var index = m.Groups[1].Value == "out" ? 2 * hidden : 2 * (int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) - 1);
                    return $"{index.ToString(CultureInfo.InvariantCulture)}.{m.Groups[3].Value}";
                }

            case ResNet18.Name:
                return key.StartsWith("linear.", StringComparison.Ordinal)
                    ? "fc." + key["linear.".Length..]
                    : key.Replace(".shortcut.", ".downsample.", StringComparison.Ordinal);
            default:
                return key;
        }
    }

    private static ModelOptions WidthOf(IReadOnlyDictionary<string, TorchSharp.torch.Tensor> state, string key) =>
        state.TryGetValue(key, out var w) && w.shape.Length == 4 && w.shape[0] >= 1
            ? new ModelOptions(BaseWidth: (int)w.shape[0])
            : ModelOptions.Default;

    [GeneratedRegex(@"^layers\.(fc(\d+)|out)\.(.+)$")]
    private static partial Regex MlpKey();

    [GeneratedRegex(@"^(\d+)\.weight$")]
    private static partial Regex SequentialWeight();
}
