using TorchSharp;

namespace Iau.Data;

/// <summary>
/// The tensors of one split: train, valid, test, and the forget/retain parts of train. Built once from a
/// loaded dataset and a split; owns its tensors.
/// </summary>
public sealed class SplitData : IDisposable
{
    private readonly Lazy<TensorData> nonMembers;

    private SplitData(LoadedDataset dataset, DataSplit split, TensorData train, TensorData valid, TensorData test, TensorData forget, TensorData retain)
    {
        nonMembers = new Lazy<TensorData>(() => TestOfClasses(test, forget), LazyThreadSafetyMode.ExecutionAndPublication);
        Dataset = dataset;
        Split = split;
        Train = train;
        Valid = valid;
        Test = test;
        Forget = forget;
        Retain = retain;
    }

    /// <summary>The dataset the tensors come from.</summary>
    public LoadedDataset Dataset { get; }

    /// <summary>The split.</summary>
    public DataSplit Split { get; }

    /// <summary>The training split (retain ∪ forget).</summary>
    public TensorData Train { get; }

    /// <summary>The validation split.</summary>
    public TensorData Valid { get; }

    /// <summary>The official test set.</summary>
    public TensorData Test { get; }

    /// <summary>D_f.</summary>
    public TensorData Forget { get; }

    /// <summary>D_r.</summary>
    public TensorData Retain { get; }

    /// <summary>
    /// The non-members that membership attacks set against D_f: the test samples of the classes D_f holds. For a
    /// random forget set (every class) that is the whole test set; for class-wise forgetting it is the test samples
    /// of the forgotten class, so the attack asks whether D_f looks like unseen samples of its own class rather than
    /// like other classes.
    /// </summary>
    public TensorData NonMembers => nonMembers.Value;

    private static TensorData TestOfClasses(TensorData test, TensorData forget)
    {
        var classes = forget.Labels.cpu().data<long>().ToHashSet();
        var labels = test.Labels.cpu().data<long>().ToArray();
        var rows = Enumerable.Range(0, labels.Length).Where(i => classes.Contains(labels[i])).ToList();
        return rows.Count == labels.Length ? test : test.Subset(rows);
    }

    /// <summary>Builds the tensors (normalised as the catalog says) on the given device.</summary>
    public static SplitData Create(LoadedDataset dataset, DataSplit split, torch.Device? device = null)
    {
        if (dataset.Info.Name != split.Dataset || dataset.Fingerprint != split.Fingerprint)
        {
            throw new ArgumentException(
                $"The split was made for {split.Dataset} ({split.Fingerprint}), not {dataset.Info.Name} ({dataset.Fingerprint}).");
        }

        var train = dataset.TrainTensors(split.Train, device);
        var valid = dataset.TrainTensors(split.Valid, device);
        var test = dataset.TestTensors(null, device);
        var forget = dataset.TrainTensors(split.Forget, device);
        var retain = dataset.TrainTensors(split.Retain, device);
        return new SplitData(dataset, split, train, valid, test, forget, retain);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Train.Dispose();
        Valid.Dispose();
        Test.Dispose();
        Forget.Dispose();
        Retain.Dispose();
        if (nonMembers.IsValueCreated && !ReferenceEquals(nonMembers.Value, Test))
        {
            nonMembers.Value.Dispose();
        }
    }
}
