using System.Globalization;
using Iau.Models;
using Iau.Training;
using TorchSharp;

namespace Iau.Unlearning;

/// <summary>Settings of Retrain.</summary>
/// <param name="Training">The recipe; null = the recipe the original was trained with (context), else the paper's.</param>
/// <param name="InitSeed">Seed of the fresh initial weights; null = the original's init seed (a like-for-like comparison).</param>
public sealed record RetrainOptions(TrainingOptions? Training = null, int? InitSeed = null);

/// <summary>
/// Retrain, the gold standard: fresh weights trained from scratch on D_r with the original's recipe
/// (Adam lr 1e-3, batch 64, early stopping on validation accuracy; GR if the original used it). Every
/// other method is measured against it. One step = the whole training run.
/// </summary>
public sealed class Retrain(RetrainOptions? options = null) : IUnlearningMethod, IRegisteredMethods
{
    /// <inheritdoc />
    static int IRegisteredMethods.RegistryOrder => 10;

    /// <inheritdoc />
    static IReadOnlyList<MethodEntry> IRegisteredMethods.Registered =>
    [
        new("retrain", "Retrain from scratch on D_r with the original's recipe (the gold standard)",
            "max-epochs=<recipe> patience=<recipe> lr=<recipe> batch=<recipe> gr-alpha=<recipe> init-seed=<original's>",
            s => new Retrain(FromSettings(s))),
    ];

    /// <summary>The settings.</summary>
    public RetrainOptions Options { get; } = options ?? new RetrainOptions();

    /// <inheritdoc />
    public string Name => "retrain";

    /// <inheritdoc />
    public string Describe()
    {
        var t = Options.Training;
        return t is null
            ? "Retrain on D_r with the original's recipe"
            : FormattableString.Invariant($"Retrain on D_r: {t.Optimizer} lr {t.LearningRate:G3}, batch {t.BatchSize}, ≤{t.MaxEpochs} epochs, patience {t.Patience}, GR α {t.GrAlpha:G3}");
    }

    /// <inheritdoc />
    public IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context) =>
        new Procedure(this, model, data, context);

    private static RetrainOptions FromSettings(MethodSettings s)
    {
        var keys = new[] { "max-epochs", "patience", "lr", "batch", "gr-alpha" };
        var init = s.Values.ContainsKey("init-seed") ? s.Int("init-seed", 0) : (int?)null;
        if (!keys.Any(s.Values.ContainsKey))
        {
            return new RetrainOptions(null, init);
        }

        var p = TrainingOptions.Paper;
        return new RetrainOptions(
            p with
            {
                MaxEpochs = s.Int("max-epochs", p.MaxEpochs),
                Patience = s.Int("patience", p.Patience ?? 10),
                LearningRate = s.Double("lr", p.LearningRate),
                BatchSize = s.Int("batch", p.BatchSize),
                GrAlpha = s.Double("gr-alpha", p.GrAlpha),
            },
            init);
    }

    private sealed class Procedure(Retrain method, IauModel original, UnlearningData data, UnlearningContext context) : IUnlearningProcedure
    {
        private readonly Dictionary<string, string> notes = new(StringComparer.Ordinal);
        private IauModel? result;

        public int TotalSteps => 1;

        public string StepUnit => "training run";

        public IauModel Result => result ?? throw new InvalidOperationException("Retrain has not run.");

        public IReadOnlyDictionary<string, string> Notes => notes;

        public bool Step(int index, CancellationToken cancellationToken)
        {
            var recipe = method.Options.Training ?? context.EffectiveRecipe;
            var seed = method.Options.InitSeed ?? original.Seed;
            var fresh = ModelFactory.Create(original.Architecture, original.InputShape, original.Classes, seed, original.Options);
            try
            {
                fresh.to(original.DType);
                fresh.to(original.Device);
                var run = new Trainer(recipe with { Seed = context.Seed }).Train(fresh, data.Retain, data.Valid, cancellationToken: cancellationToken);
                notes["epochs"] = run.EpochsRun.ToString(CultureInfo.InvariantCulture);
                notes["best epoch"] = run.BestEpoch.ToString(CultureInfo.InvariantCulture);
                if (run.BestValidAccuracy is double acc)
                {
                    notes["best valid accuracy"] = acc.ToString("F4", CultureInfo.InvariantCulture);
                }

                notes["recipe"] = FormattableString.Invariant($"{recipe.Optimizer} lr {recipe.LearningRate:G3} batch {recipe.BatchSize} ≤{recipe.MaxEpochs} epochs GR α {recipe.GrAlpha:G3}");
                result = fresh;
                return false;
            }
            catch
            {
                fresh.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
        }
    }
}
