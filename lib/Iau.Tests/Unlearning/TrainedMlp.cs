using Iau.Data;
using Iau.Models;
using Iau.Tests.Training;
using Iau.Training;

namespace Iau.Tests.Unlearning;

/// <summary>
/// A small MLP (one hidden layer of 16) trained on 240 synthetic Gaussian-blob samples (6 features, 3 classes), with
/// every 8th sample (offset 3) as the forget set.
/// </summary>
internal sealed class TrainedMlp : IDisposable
{
    /// <param name="separation">Distance between the class means (<see cref="SyntheticData.Blobs"/>).</param>
    /// <param name="labelNoise">Share of flipped labels.</param>
    /// <param name="epochs">Training epochs (no early stopping).</param>
    public TrainedMlp(double separation = 1.0, double labelNoise = 0.0, int epochs = 3)
    {
        TestRuntime.Ensure();
        Train = SyntheticData.Blobs(240, [6], 3, seed: 1, separation: separation, labelNoise: labelNoise);
        ForgetRows = Enumerable.Range(0, 240).Where(i => i % 8 == 3).ToArray();
        Forget = Train.Subset(ForgetRows);
        Retain = Train.Subset(Enumerable.Range(0, 240).Except(ForgetRows).ToArray());
        Model = ModelFactory.Create("mlp", [6], 3, seed: 2, new ModelOptions(MlpHidden: [16]));
        new Trainer(TrainingOptions.Paper with { MaxEpochs = epochs, Patience = null, BatchSize = 32 }).Train(Model, Train);
    }

    public TensorData Train { get; }

    public TensorData Forget { get; }

    public TensorData Retain { get; }

    public IauModel Model { get; }

    public int[] ForgetRows { get; }

    public void Dispose()
    {
        Train.Dispose();
        Forget.Dispose();
        Retain.Dispose();
        Model.Dispose();
    }
}
