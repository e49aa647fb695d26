using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Iau.Models;

/// <summary>
/// Multinomial logistic regression: flatten, then one Linear(F, classes). With cross-entropy its training
/// loss is convex, which makes exact influence (Hessian inverse) a usable ground truth.
/// </summary>
public sealed class LogisticRegression : IauModel
{
    /// <summary>Factory name.</summary>
    public const string Name = "logreg";

    private readonly Linear linear;

    internal LogisticRegression(long[] inputShape, int classes, ModelOptions options, int seed)
        : base(Name, inputShape, classes, options, seed)
    {
        linear = nn.Linear(inputShape.Aggregate(1L, (a, b) => a * b), classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        return linear.call(input.flatten(1));
    }
}
