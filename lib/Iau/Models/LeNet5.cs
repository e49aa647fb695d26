using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Models;

/// <summary>
/// LeNet-5 as in the authors' code: conv(c→6, 5×5) ReLU maxpool 2, conv(6→16, 5×5) ReLU maxpool 2, flatten,
/// fc→120 ReLU, fc 120→84 ReLU, fc 84→classes. The first fully connected layer's width follows from the
/// input: 16·4·4 for 28×28, 16·5·5 for 32×32. Needs images [C,H,W] of at least 16×16.
/// </summary>
public sealed class LeNet5 : IauModel
{
    /// <summary>Factory name.</summary>
    public const string Name = "lenet5";

    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Linear fc3;

    internal LeNet5(long[] inputShape, int classes, ModelOptions options, int seed)
        : base(Name, inputShape, classes, options, seed)
    {
        var (c, h, w) = RequireImage(Name, inputShape);
        var h2 = (((h - 4) / 2) - 4) / 2;
        var w2 = (((w - 4) / 2) - 4) / 2;
        if (h2 < 1 || w2 < 1)
        {
            throw new ArgumentException(
                $"{Name} needs images of at least 16×16; got [{string.Join(",", inputShape)}].", nameof(inputShape));
        }

        conv1 = nn.Conv2d(c, 6, 5);
        conv2 = nn.Conv2d(6, 16, 5);
        fc1 = nn.Linear(16 * h2 * w2, 120);
        fc2 = nn.Linear(120, 84);
        fc3 = nn.Linear(84, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var x = F.max_pool2d(F.relu(conv1.call(input)), 2);
        x = F.max_pool2d(F.relu(conv2.call(x)), 2);
        x = x.flatten(1);
        x = F.relu(fc1.call(x));
        x = F.relu(fc2.call(x));
        return fc3.call(x);
    }
}
