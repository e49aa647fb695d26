using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Models;

/// <summary>Helpers for any TorchSharp module: parameter counts, exact state copies, state comparison.</summary>
public static class ModuleExtensions
{
    /// <summary>Number of scalar parameters (buffers such as batch-norm statistics excluded).</summary>
    public static long CountParameters(this nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        long n = 0;
        foreach (var p in module.parameters())
        {
            n += p.numel();
        }

        return n;
    }

    /// <summary>
    /// Copies tensors into the module's parameters and buffers of the same names (bitwise, under no_grad).
    /// Every entry of the module's state must be present with the same shape and element type.
    /// </summary>
    public static void LoadState(this nn.Module module, IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(state);
        var differences = module.DescribeStateDifferences(state);
        if (differences.Count > 0)
        {
            throw new ArgumentException($"State does not fit the module: {string.Join("; ", differences)}.", nameof(state));
        }

        using var noGrad = no_grad();
        foreach (var (name, target) in module.state_dict())
        {
            target.copy_(state[name]);
        }
    }

    /// <summary>Detached copies of every parameter and buffer, keyed like state_dict (the caller disposes them).</summary>
    public static Dictionary<string, Tensor> CloneState(this nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var copy = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in module.state_dict())
        {
            copy[name] = t.detach().clone().DetachFromDisposeScope();
        }

        return copy;
    }

    /// <summary>
    /// What keeps <paramref name="state"/> from loading into the module: missing or unexpected names and
    /// shape or element-type differences. Empty when it fits.
    /// </summary>
    public static IReadOnlyList<string> DescribeStateDifferences(this nn.Module module, IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(state);
        var own = module.state_dict();
        var differences = new List<string>();
        foreach (var (name, t) in own)
        {
            if (!state.TryGetValue(name, out var other))
            {
                differences.Add($"'{name}' missing");
                continue;
            }

            if (!t.shape.SequenceEqual(other.shape))
            {
                differences.Add($"'{name}' has shape [{string.Join(",", other.shape)}], expected [{string.Join(",", t.shape)}]");
            }
            else if (t.dtype != other.dtype)
            {
                differences.Add($"'{name}' has element type {other.dtype}, expected {t.dtype}");
            }
        }

        foreach (var name in state.Keys)
        {
            if (!own.ContainsKey(name))
            {
                differences.Add($"'{name}' unexpected");
            }
        }

        return differences;
    }

    /// <summary>Whether two modules hold bitwise-identical parameters and buffers (same names, shapes, types, values).</summary>
    public static bool StateEquals(this nn.Module module, nn.Module other)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(other);
        var a = module.state_dict();
        var b = other.state_dict();
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (name, t) in a)
        {
            if (!b.TryGetValue(name, out var u) || t.dtype != u.dtype || !t.shape.SequenceEqual(u.shape) || !BitwiseEqual(t, u))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Bitwise equality of two tensors' contents (NaNs with equal bits compare equal).</summary>
    public static bool BitwiseEqual(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape))
        {
            return false;
        }

        using var scope = NewDisposeScope();
        var ca = a.detach().cpu().contiguous();
        var cb = b.detach().cpu().contiguous();
        return ca.bytes.SequenceEqual(cb.bytes);
    }
}
