using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Models;

/// <summary>
/// A classifier of the kit: a TorchSharp module mapping a batch [B, …input shape] to logits [B, classes],
/// which remembers how it was built (architecture name, input shape, class count, options, init seed) so
/// that it can be cloned and checked against checkpoints. Create instances with <see cref="ModelFactory"/>.
/// Forward passes allocate intermediate tensors: call them inside a dispose scope.
/// </summary>
public abstract class IauModel : nn.Module<Tensor, Tensor>
{
    private readonly long[] inputShape;

    /// <summary>Records the construction arguments; derived classes build layers then call RegisterComponents.</summary>
    protected IauModel(string architecture, long[] inputShape, int classes, ModelOptions options, int seed)
        : base(architecture)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (classes < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "A classifier needs at least 2 classes.");
        }

        if (inputShape.Length == 0 || inputShape.Any(d => d < 1))
        {
            throw new ArgumentException(
                $"{architecture}: input shape [{string.Join(",", inputShape)}] must have positive dimensions.",
                nameof(inputShape));
        }

        Architecture = architecture;
        this.inputShape = (long[])inputShape.Clone();
        Classes = classes;
        Options = options;
        Seed = seed;
    }

    /// <summary>Factory name of the architecture ("lenet5", "mlp", "resnet18", "vgg19", "logreg").</summary>
    public string Architecture { get; }

    /// <summary>Shape of one input sample, e.g. [1, 28, 28] or [600] (a copy).</summary>
    public long[] InputShape => (long[])inputShape.Clone();

    /// <summary>Number of classes (width of the logits).</summary>
    public int Classes { get; }

    /// <summary>The options the model was built with.</summary>
    public ModelOptions Options { get; }

    /// <summary>The seed its initial weights were drawn with.</summary>
    public int Seed { get; }

    /// <summary>Number of scalar parameters (trainable weights; batch-norm running statistics excluded).</summary>
    public long ParameterCount => this.CountParameters();

    /// <summary>Device of the parameters.</summary>
    public Device Device => parameters().First().device;

    /// <summary>Element type of the parameters (float32 unless converted).</summary>
    public ScalarType DType => parameters().First().dtype;

    /// <summary>
    /// A new, independent model with the same architecture, device, element type, weights, buffers
    /// (batch-norm statistics), requires-grad flags and train/eval mode.
    /// </summary>
    public IauModel Clone()
    {
        var copy = ModelFactory.Build(Architecture, inputShape, Classes, Seed, Options);
        copy.to(DType);
        copy.to(Device);
        copy.CopyStateFrom(this);
        copy.train(training);
        return copy;
    }

    /// <summary>Copies every parameter and buffer of <paramref name="source"/> (same architecture) into this model.</summary>
    public void CopyStateFrom(IauModel source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var differences = this.DescribeStateDifferences(source.state_dict());
        if (differences.Count > 0)
        {
            throw new ArgumentException(
                $"Cannot copy a {source.Architecture} model into a {Architecture} model: {string.Join("; ", differences)}.",
                nameof(source));
        }

        this.LoadState(source.state_dict());
        var flags = source.named_parameters().ToDictionary(p => p.name, p => p.parameter.requires_grad);
        foreach (var (name, p) in named_parameters())
        {
            p.requires_grad = flags[name];
        }
    }

    /// <summary>One line: architecture, input shape, classes, parameter count.</summary>
    public override string ToString()
    {
        return $"{Architecture} input=[{string.Join(",", inputShape)}] classes={Classes} parameters={ParameterCount:N0}";
    }

    /// <summary>Checks that the input shape is an image [C, H, W] and returns its parts.</summary>
    protected static (long Channels, long Height, long Width) RequireImage(string architecture, long[] inputShape)
    {
        if (inputShape.Length != 3)
        {
            throw new ArgumentException(
                $"{architecture} needs image inputs [C,H,W]; got [{string.Join(",", inputShape)}]. " +
                "Use mlp or logreg for feature vectors.",
                nameof(inputShape));
        }

        return (inputShape[0], inputShape[1], inputShape[2]);
    }
}
