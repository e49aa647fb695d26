using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Models;

/// <summary>
/// VGG-19 with batch norm in its CIFAR form (kuangliu/pytorch-cifar): 3×3 conv–BN–ReLU blocks with widths
/// 64,64,M,128,128,M,256×4,M,512×4,M,512×4,M (M = 2×2 max pooling), then a single Linear(512, classes).
/// Pooling uses ceil mode and the features are average-pooled to 1×1, so 32×32 inputs give exactly the
/// CIFAR network (20,040,522 parameters for 3×32×32 and 10 classes) and smaller images such as 28×28 work too.
/// <see cref="ModelOptions.BaseWidth"/> scales every width (64 by default: 64…512).
/// </summary>
public sealed class Vgg19 : IauModel
{
    /// <summary>Factory name.</summary>
    public const string Name = "vgg19";

    /// <summary>The layer configuration; 0 stands for max pooling.</summary>
    private static readonly int[] Config = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0];

    private readonly Sequential features;
    private readonly Linear classifier;

    internal Vgg19(long[] inputShape, int classes, ModelOptions options, int seed)
        : base(Name, inputShape, classes, options, seed)
    {
        var (c, _, _) = RequireImage(Name, inputShape);
        long scale = options.EffectiveBaseWidth;
        if (scale < 1)
        {
            throw new ArgumentException($"{Name}: base width must be positive, got {scale}.", nameof(options));
        }

        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        var width = c;
        foreach (var v in Config)
        {
            var i = layers.Count;
            if (v == 0)
            {
                layers.Add(($"{i}", nn.MaxPool2d(2, 2, ceil_mode: true)));
                continue;
            }

            var channels = v * scale / ModelOptions.DefaultBaseWidth;
            layers.Add(($"{i}", nn.Conv2d(width, channels, 3, padding: 1)));
            layers.Add(($"{i + 1}", nn.BatchNorm2d(channels)));
            layers.Add(($"{i + 2}", nn.ReLU(inplace: true)));
            width = channels;
        }

        features = nn.Sequential(layers);
        classifier = nn.Linear(width, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var x = features.call(input);
        x = F.adaptive_avg_pool2d(x, 1).flatten(1);
        return classifier.call(x);
    }
}
