using System.CommandLine;
using System.Globalization;
using Iau.Data;
using Iau.Experiments;
using Iau.Interop;
using Iau.Models;
using Iau.Runtime;
using Spectre.Console;

namespace Iau.Cli.Commands;

/// <summary>
/// `iau import --pytorch FILE` and `iau export --pytorch`: PyTorch state_dicts in and out (the library's
/// <see cref="PyTorchModels"/> and <see cref="PyTorchCheckpoint"/>; layouts in <see cref="PyTorchLayout"/>).
/// </summary>
internal static class PyTorchCommands
{
    public static Command Import(CliContext ctx)
    {
        var file = new Option<string>("--pytorch") { Description = "PyTorch state_dict file (.pt/.pth/.ckpt, as torch.save(model.state_dict(), path) writes it).", Required = true };
        var model = new Option<string>("--model") { Description = $"Architecture whose PyTorch layout the file has: {string.Join(", ", ModelFactory.Names)}.", Required = true };
        model.AcceptOnlyFromAmong([.. ModelFactory.Names]);
        var dataset = new Option<string>("--dataset") { Description = "Dataset the model classifies (gives the input shape, the classes and the data to unlearn on).", Required = true };
        var activation = new Option<MlpActivation?>("--activation") { Description = "Hidden activation of an mlp (tanh or relu; the file cannot say). Default tanh." };
        var output = new Option<string>("--out") { Description = "Kit checkpoint to write; the split is written beside it (<out>.split.json).", Required = true };
        var opts = new DataOptions();
        var cmd = new Command("import", "Import a PyTorch state_dict as a kit checkpoint (with a split beside it), ready for `iau unlearn`.")
        {
            file, model, dataset, activation, output,
        };
        opts.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var source = parse.GetValue(file)!;
            var outPath = parse.GetValue(output)!;
            var architecture = parse.GetValue(model)!;
            var act = parse.GetValue(activation);
            if (act is not null && architecture != Mlp.Name)
            {
                throw new UsageException($"--activation applies to --model mlp only, not to {architecture}.");
            }

            var inputs = new List<(string, string)> { (source, "the PyTorch file") };
            foreach (var (path, what) in new[] { (parse.GetValue(opts.SplitFile), "the split file"), (parse.GetValue(opts.ForgetIndices), "the forget-indices file") })
            {
                if (path is not null)
                {
                    inputs.Add((path, what));
                }
            }

            Outputs.NotInput(outPath, "--out", inputs);
            Outputs.NotInput(TrainedModel.SplitPathFor(outPath), "--out", inputs);
            Outputs.CheckFile(outPath, "--out");
            var info = DatasetCatalog.Get(parse.GetValue(dataset)!);

            ctx.InitRuntime(parse, 0);

            // The file is read and checked against the model before any data is loaded.
            using var imported = PyTorchModels.Import(source, architecture, info.InputShape.Select(d => (long)d).ToArray(), info.Classes, act ?? MlpActivation.Tanh);
            var data = DatasetLoader.Load(info.Name, opts.LoadOptions(parse, ctx));
            var split = opts.Split(parse, data);
            var outcome = PyTorchCheckpoint.Save(imported, source, data, split, outPath, IauRuntime.Device);
            var c = ctx.Console;
            c.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{outcome.Model} from {source} ({outcome.Tensors} tensors; {PyTorchLayout.Describe(architecture)})"));
            c.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{info.Name} test accuracy {outcome.TestAccuracy:F4} (inputs normalised as the kit does: x/255 − mean, ÷ std per channel; " +
                $"mean {string.Join(",", info.Mean.Select(m => m.ToString("G4", CultureInfo.InvariantCulture)))}, std {string.Join(",", info.Std.Select(s => s.ToString("G4", CultureInfo.InvariantCulture)))})"));
            c.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"split: train {split.Train.Length:N0}, valid {split.Valid.Length:N0}, forget {split.Forget.Length:N0} ({split.ForgetMode})"));
            c.WriteLine($"checkpoint: {outcome.CheckpointPath}");
            c.WriteLine($"split: {outcome.SplitPath}");
            if (!parse.Given(opts.SplitFile))
            {
                ctx.Error.WriteLine("note: the split is the kit's own (--split-seed); the kit cannot know which samples the PyTorch model was trained on. " +
                                    "Give that split with --split FILE for unlearning to mean what it says.");
            }

            return 0;
        });
        return cmd;
    }

    public static Command Export(CliContext ctx)
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "Kit checkpoint (written by iau train, import or unlearn)." };
        var pytorch = new Option<bool>("--pytorch") { Description = "Write a PyTorch state_dict (the one format for now; torch.load reads it, also with weights_only=True)." };
        var output = new Option<string>("--out") { Description = "File to write (e.g. model.pt).", Required = true };
        var cmd = new Command("export", "Export a kit checkpoint's model as a PyTorch state_dict.") { checkpoint, pytorch, output };
        cmd.SetAction(parse =>
        {
            if (!parse.GetValue(pytorch))
            {
                throw new UsageException("give the format to write: --pytorch (a PyTorch state_dict, the one format for now).");
            }

            var source = parse.GetValue(checkpoint)!;
            var outPath = parse.GetValue(output)!;
            Outputs.NotInput(outPath, "--out", [(source, "the checkpoint"), (TrainedModel.SplitPathFor(source), "the checkpoint's split")]);
            Outputs.CheckFile(outPath, "--out");
            ctx.InitRuntime(parse, 0);
            var outcome = PyTorchCheckpoint.Export(source, outPath);
            ctx.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"written {outcome.Path}: {outcome.Architecture}, {outcome.Tensors} tensors"));
            ctx.Console.WriteLine($"load it in PyTorch into {outcome.Layout}: model.load_state_dict(torch.load(path, weights_only=True))");
            return 0;
        });
        return cmd;
    }
}
