using System.CommandLine;
using System.Globalization;
using Iau.Data;
using Iau.Experiments;
using Iau.Models;
using Iau.Runtime;
using Iau.Training;
using Spectre.Console;

namespace Iau.Cli.Commands;

/// <summary>`iau train`: trains an original model (optionally with gradient restriction) and writes a checkpoint.</summary>
internal static class TrainCommand
{
    public static Command Build(CliContext ctx)
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset name.", DefaultValueFactory = _ => "fashion-mnist" };
        var model = new Option<string>("--model") { Description = $"Architecture: {string.Join(", ", ModelFactory.Names)}.", DefaultValueFactory = _ => "lenet5" };
        var alpha = new Option<double>("--gr-alpha") { Description = "Gradient-restriction weight α (0 = plain training; the paper uses 0.005).", DefaultValueFactory = _ => 0 };
        var epochs = new Option<int>("--max-epochs") { Description = "At most this many epochs.", DefaultValueFactory = _ => 200 };
        var patience = new Option<int>("--patience") { Description = "Early-stopping patience on validation accuracy.", DefaultValueFactory = _ => 10 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => 64 };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N training samples (and N/4 validation samples), for quick runs." };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights and the batch order.", DefaultValueFactory = _ => 0 };
        var storeGrad = new Option<bool>("--store-gradient") { Description = "Store the mean training gradient with the checkpoint (enables iau-cached)." };
        var output = new Option<string>("--out") { Description = "Checkpoint file to write.", Required = true };
        var opts = new DataOptions();
        var cmd = new Command("train", "Train an original model with the paper's recipe (Adam, batch 64, early stopping), optionally with gradient restriction.")
        {
            dataset, model, alpha, epochs, patience, lr, batch, limit, seed, storeGrad, output,
        };
        opts.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var outPath = parse.GetValue(output)!;
            Outputs.CheckFile(outPath, "--out");
            var splitFile = parse.GetValue(opts.SplitFile);
            if (splitFile is not null)
            {
                Outputs.NotInput(TrainedModel.SplitPathFor(outPath), "--out", [(splitFile, "the split file")]);
            }

            var rt = ctx.InitRuntime(parse, parse.GetValue(seed));
            var data = DatasetLoader.Load(parse.GetValue(dataset)!, opts.LoadOptions(parse, ctx));
            var split = opts.Split(parse, data);
            if (parse.GetValue(limit) is int n)
            {
                // Training does not use the forget set: a forget request the smaller train cannot satisfy is a note, not an error.
                split = split.Limit(n, Math.Max(1, n / 4), data.Train.Labels, data.Info.Classes, requireForget: false);
                if (split.Forget.Length == 0)
                {
                    ctx.Error.WriteLine($"note: the forget set has no samples among the first {split.Train.Length} training samples; " +
                                        "the saved split has an empty forget set (give --forget-… to `iau unlearn`).");
                }
            }

            var recipe = TrainingOptions.Paper with
            {
                GrAlpha = parse.GetValue(alpha),
                MaxEpochs = parse.GetValue(epochs),
                Patience = parse.GetValue(patience),
                LearningRate = parse.GetValue(lr),
                BatchSize = parse.GetValue(batch),
                Seed = parse.GetValue(seed),
            };
            recipe.Validate();
            var spec = new TrainSpec(parse.GetValue(model)!, recipe, parse.GetValue(seed), parse.GetValue(storeGrad));
            using var tensors = SplitData.Create(data, split, IauRuntime.Device);
            var c = ctx.Console;
            c.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{spec.Model} on {data.Info.Name}: train {split.Train.Length:N0}, valid {split.Valid.Length:N0}, test {split.TestCount:N0}; " +
                $"GR α {recipe.GrAlpha:G3}; ≤{recipe.MaxEpochs} epochs, patience {recipe.Patience}; device {rt.Device}, {rt.Threads} threads"));
            if (File.Exists(outPath + ".state"))
            {
                c.WriteLine($"resuming from {outPath}.state");
            }

            var outcome = ctx.WithProgress("epochs", ctx.Out, bar => TrainedModel.Train(tensors, spec, outPath, new SyncProgress<EpochProgress>(p =>
            {
                bar.Update(p.Epoch, p.MaxEpochs, $"epoch {p.Epoch}/{p.MaxEpochs}");
                bar.Finished(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {p.Epoch,3}/{p.MaxEpochs}  loss {p.TrainLoss:F4}  train {p.TrainAccuracy:F4}  valid {p.ValidAccuracy:F4}  " +
                    $"best {p.BestValidAccuracy:F4} (epoch {p.BestEpoch})  {p.SamplesPerSecond,8:N0} samples/s  {p.Elapsed:hh\\:mm\\:ss}"));
            }), ctx.Cancellation));
            c.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"done: {outcome.Training.EpochsRun} epochs (best {outcome.Training.BestEpoch}{(outcome.Training.StoppedEarly ? ", stopped early" : string.Empty)}) in {outcome.Training.WallSeconds:F1} s; " +
                $"accuracy train {outcome.TrainAccuracy:F4}, valid {outcome.ValidAccuracy:F4}, test {outcome.TestAccuracy:F4}; {outcome.Parameters:N0} parameters"));
            c.WriteLine($"checkpoint: {outcome.CheckpointPath}");
            c.WriteLine($"split: {outcome.SplitPath}");
            return 0;
        });
        return cmd;
    }
}
