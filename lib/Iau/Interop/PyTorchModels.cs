using System.Globalization;
using Iau.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Interop;

/// <summary>
/// PyTorch models in and out: a <c>state_dict</c> file becomes a kit model, and a kit model becomes a
/// <c>state_dict</c> file that the PyTorch definition named by <see cref="PyTorchLayout"/> loads with
/// <c>load_state_dict</c> (strict). Weights are copied bitwise; nothing is converted, so a file whose tensors do
/// not have exactly the kit model's names, shapes and element type (float32; int64 batch counters) is refused
/// with one message listing every key at fault, each with both shapes or types.
/// </summary>
public static class PyTorchModels
{
    private const int ShownProblems = 6;

    /// <summary>
    /// Reads the state_dict file at <paramref name="path"/> into a new kit model of <paramref name="architecture"/>
    /// for samples of <paramref name="inputShape"/> and <paramref name="classes"/> classes (on
    /// <see cref="Runtime.IauRuntime.Device"/>, in eval mode). The mlp's hidden widths and the resnet18/vgg19 width
    /// are read from the file; the mlp's activation is <paramref name="activation"/>.
    /// </summary>
    /// <exception cref="PyTorchFormatException">The file is not a state_dict, or does not fit the model.</exception>
    /// <exception cref="ArgumentException">Unknown architecture, or an input shape it cannot take.</exception>
    public static IauModel Import(string path, string architecture, long[] inputShape, int classes, MlpActivation activation = MlpActivation.Tanh)
    {
        ArgumentNullException.ThrowIfNull(path);
        var state = PyTorchStateDict.Read(path);
        try
        {
            return FromStateDict(path, state, architecture, inputShape, classes, activation);
        }
        finally
        {
            foreach (var t in state.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>
    /// Builds a kit model from tensors keyed by their PyTorch names (see <see cref="Import"/>); <paramref name="source"/>
    /// names where they came from in error messages. The tensors are copied; the caller keeps and disposes them.
    /// </summary>
    /// <exception cref="PyTorchFormatException">The tensors do not fit the model.</exception>
    public static IauModel FromStateDict(string source, IReadOnlyDictionary<string, Tensor> state, string architecture, long[] inputShape, int classes, MlpActivation activation = MlpActivation.Tanh)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (!ModelFactory.IsKnown(architecture))
        {
            throw new ArgumentException($"Unknown model '{architecture}'; known models: {string.Join(", ", ModelFactory.Names)}.", nameof(architecture));
        }

        if (activation != MlpActivation.Tanh && !string.Equals(architecture, Mlp.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"An activation applies to the mlp only, not to {architecture}.", nameof(activation));
        }

        var options = PyTorchLayout.InferOptions(architecture, state, activation);
        var model = ModelFactory.Create(architecture, inputShape, classes, seed: 0, options);
        try
        {
            var names = PyTorchLayout.Names(model);
            var own = model.state_dict();
            var problems = new List<(string Kind, string Text)>();
            var expected = names.ToDictionary(n => n.PyTorch, n => own[n.Kit], StringComparer.Ordinal);
            foreach (var (kit, pyName) in names)
            {
                var target = own[kit];
                if (!state.TryGetValue(pyName, out var found))
                {
                    problems.Add(("missing", $"'{pyName}' missing (expected {Shape(target.shape)} {target.dtype})"));
                }
                else if (!found.shape.SequenceEqual(target.shape))
                {
                    problems.Add(("of another shape", $"'{pyName}' has shape {Shape(found.shape)}, expected {Shape(target.shape)}"));
                }
                else if (found.dtype != target.dtype)
                {
                    problems.Add(("of another element type", $"'{pyName}' holds {found.dtype}, expected {target.dtype}" +
                                 (found.is_floating_point() ? " (save the model after model.float())" : string.Empty)));
                }
            }

            var unexpected = state.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
            problems.AddRange(unexpected.Select(k => ("unexpected", $"'{k}' unexpected ({Shape(state[k].shape)} {state[k].dtype})")));
            if (problems.Count > 0)
            {
                throw new PyTorchFormatException(source, Mismatch(model, state.Keys, problems));
            }

            using (no_grad())
            {
                foreach (var (kit, pyName) in names)
                {
                    own[kit].copy_(state[pyName]);
                }
            }

            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The model's weights and buffers under their PyTorch names (<see cref="PyTorchLayout"/>), in state order:
    /// detached CPU copies, which the caller disposes.
    /// </summary>
    public static List<KeyValuePair<string, Tensor>> ToStateDict(IauModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var own = model.state_dict();
        using var scope = NewDisposeScope();
        var result = new List<KeyValuePair<string, Tensor>>();
        foreach (var (kit, pyName) in PyTorchLayout.Names(model))
        {
            result.Add(new(pyName, own[kit].detach().cpu().contiguous().clone().DetachFromDisposeScope()));
        }

        return result;
    }

    /// <summary>
    /// Writes the model as a PyTorch state_dict file (atomically: a temporary file beside it, then renamed) that
    /// <see cref="PyTorchLayout.Describe"/>'s definition loads with <c>model.load_state_dict(torch.load(path))</c>.
    /// </summary>
    public static void Export(IauModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        var state = ToStateDict(model);
        try
        {
            PyTorchStateDict.Write(path, state);
        }
        finally
        {
            foreach (var (_, t) in state)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>
    /// One line: what the model expects, then the problems — all of them when few, otherwise a count of each kind
    /// and the first two of each kind.
    /// </summary>
    private static string Mismatch(IauModel model, IEnumerable<string> found, List<(string Kind, string Text)> problems)
    {
        var what = string.Create(CultureInfo.InvariantCulture,
            $"does not fit {model.Architecture} for input {Shape(model.InputShape)} and {model.Classes} classes ({PyTorchLayout.Describe(model.Architecture)})");
        string list;
        if (problems.Count <= ShownProblems)
        {
            list = string.Join("; ", problems.Select(p => p.Text));
        }
        else
        {
            var kinds = problems.GroupBy(p => p.Kind).ToList();
            var counts = string.Join(", ", kinds.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key}")));
            list = $"{problems.Count} keys do not fit ({counts}), e.g. {string.Join("; ", kinds.SelectMany(g => g.Take(2)).Select(p => p.Text))}";
        }

        var guess = PyTorchLayout.Guess(found);
        var hint = guess is not null && !string.Equals(guess, model.Architecture, StringComparison.OrdinalIgnoreCase)
            ? $" Its names look like the {guess} layout."
            : string.Empty;
        return $"{what}: {list}.{hint}";
    }

    private static string Shape(long[] shape) => $"[{string.Join(",", shape)}]";
}
