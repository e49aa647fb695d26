using System.Globalization;

namespace Iau.Interactive;

/// <summary>
/// How much the notebooks that train their own models do under a profile: smoke a tiny subset (CI), quick minutes
/// on 2 cores, any other profile the full data and the full recipe's epoch cap.
/// </summary>
/// <param name="Train">Training samples (int.MaxValue: all).</param>
/// <param name="Valid">Validation samples (int.MaxValue: all).</param>
/// <param name="Epochs">Epoch cap.</param>
public sealed record NotebookSize(int Train, int Valid, int Epochs)
{
    /// <summary>The sizes of <paramref name="profile"/>.</summary>
    public static NotebookSize Of(string profile) => profile switch
    {
        "smoke" => new(1_000, 250, 2),
        "quick" => new(10_000, 2_500, 3),
        _ => new(int.MaxValue, int.MaxValue, 200),
    };

    /// <summary>"sizes: 10,000 training samples, at most 3 epochs" (all, for the full data).</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"sizes: {(Train == int.MaxValue ? "all" : Train.ToString("N0", CultureInfo.InvariantCulture))} training samples, at most {Epochs} epochs");
}
