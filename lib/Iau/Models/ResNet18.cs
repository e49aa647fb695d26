using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Models;

/// <summary>
/// ResNet-18 in its CIFAR form (He et al. 2016; the widely used variant of kuangliu/pytorch-cifar): 3×3 stem
/// conv(c→64) BN ReLU without max pooling, four stages of two BasicBlocks with widths 64, 128, 256, 512
/// (stride 2 at the start of stages 2–4, 1×1 conv + BN shortcuts where the shape changes), adaptive average
/// pooling to 1×1 and a linear classifier. 11,173,962 parameters for 3×32×32 inputs and 10 classes.
/// <see cref="ModelOptions.BaseWidth"/> scales the widths (64 by default).
/// </summary>
public sealed class ResNet18 : IauModel
{
    /// <summary>Factory name.</summary>
    public const string Name = "resnet18";

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly Linear linear;

    internal ResNet18(long[] inputShape, int classes, ModelOptions options, int seed)
        : base(Name, inputShape, classes, options, seed)
    {
        var (c, _, _) = RequireImage(Name, inputShape);
        long w = options.EffectiveBaseWidth;
        if (w < 1)
        {
            throw new ArgumentException($"{Name}: base width must be positive, got {w}.", nameof(options));
        }

        conv1 = nn.Conv2d(c, w, 3, stride: 1, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(w);
        var width = w;
        layer1 = Stage(ref width, w, 1);
        layer2 = Stage(ref width, 2 * w, 2);
        layer3 = Stage(ref width, 4 * w, 2);
        layer4 = Stage(ref width, 8 * w, 2);
        linear = nn.Linear(8 * w, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var x = F.relu(bn1.call(conv1.call(input)));
        x = layer1.call(x);
        x = layer2.call(x);
        x = layer3.call(x);
        x = layer4.call(x);
        x = F.adaptive_avg_pool2d(x, 1).flatten(1);
        return linear.call(x);
    }

    private static Sequential Stage(ref long width, long planes, long stride)
    {
        var first = new BasicBlock("block0", width, planes, stride);
        var second = new BasicBlock("block1", planes, planes, 1);
        width = planes;
        return nn.Sequential(("0", first), ("1", second));
    }

    /// <summary>Two 3×3 conv–BN layers with a residual connection (identity or 1×1 conv + BN).</summary>
    private sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d bn2;
        private readonly Sequential? shortcut;

        public BasicBlock(string name, long inPlanes, long planes, long stride)
            : base(name)
        {
            conv1 = nn.Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
            bn1 = nn.BatchNorm2d(planes);
            conv2 = nn.Conv2d(planes, planes, 3, stride: 1, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(planes);
            if (stride != 1 || inPlanes != planes)
            {
                shortcut = nn.Sequential(
                    ("0", nn.Conv2d(inPlanes, planes, 1, stride: stride, bias: false)),
                    ("1", nn.BatchNorm2d(planes)));
            }

            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            var x = F.relu(bn1.call(conv1.call(input)));
            x = bn2.call(conv2.call(x));
            x = x + (shortcut is null ? input : shortcut.call(input));
            return F.relu(x);
        }
    }
}
