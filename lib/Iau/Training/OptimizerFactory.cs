using TorchSharp.Modules;

namespace Iau.Training;

/// <summary>Builds the optimizer a <see cref="TrainingOptions"/> asks for.</summary>
public static class OptimizerFactory
{
    /// <summary>A fresh optimizer (no state) over <paramref name="parameters"/>; the caller disposes it.</summary>
    public static OptimizerHelper Create(TrainingOptions options, IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parameters);
        return Create(options.Optimizer, parameters, options.LearningRate, options.Momentum, options.WeightDecay);
    }

    /// <summary>
    /// A fresh optimizer (no state); Adam uses β = (0.9, 0.999) and ε = 1e-8 like PyTorch. Both compute TorchSharp's
    /// update with Scalars kept alive through each step (<see cref="KeptAliveAdam"/>).
    /// </summary>
    public static OptimizerHelper Create(
        OptimizerKind kind, IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, double weightDecay = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return kind switch
        {
            OptimizerKind.Adam => new KeptAliveAdam(parameters, learningRate, weightDecay),
            OptimizerKind.Sgd => new KeptAliveSgd(parameters, learningRate, momentum, weightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown optimizer."),
        };
    }
}
