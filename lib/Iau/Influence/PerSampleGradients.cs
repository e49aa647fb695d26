using Iau.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Iau.Influence;

/// <summary>
/// The per-sample gradients of a batch from one backward pass, for models whose trainable parameters all belong
/// to linear and 2-D convolution layers, each called once per forward. For such a layer z = W a + b, sample i's
/// gradient is
/// <code>
///     ∇W ℓ_i = Σ_t δ_{i,t} a_{i,t}ᵀ,    ∇b ℓ_i = Σ_t δ_{i,t},    δ_i = ∂ℓ_i / ∂z_i
/// </code>
/// where t runs over positions (the unfolded input patches of a convolution; one position for a linear layer on
/// vectors). One backward pass of Σ_i ℓ_i gives every δ_i, because in eval mode sample i's loss depends on no
/// other sample's activations. The values equal one backward pass per sample up to float rounding (the batched
/// forward sums in another order). Layers are found by their parameters' names; hooks record each layer's input
/// and output during <see cref="Forward"/>.
/// </summary>
internal sealed class PerSampleGradients : IDisposable
{
    private readonly Layer[] layers;
    private readonly int parameterCount;

    private PerSampleGradients(Layer[] layers, int parameterCount)
    {
        this.layers = layers;
        this.parameterCount = parameterCount;
    }

    /// <summary>
    /// Hooks into <paramref name="model"/>'s layers when every trainable parameter (in
    /// <see cref="Gradients.Trainable"/> order) is the weight or bias of a linear or a zero-padded, ungrouped 2-D
    /// convolution layer; otherwise null, with <paramref name="reason"/> naming the first parameter that is not.
    /// </summary>
    public static PerSampleGradients? TryCreate(nn.Module<Tensor, Tensor> model, out string reason)
    {
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        var byModule = new Dictionary<string, Layer>(StringComparer.Ordinal);
        var order = new List<Layer>();
        for (var i = 0; i < trainable.Count; i++)
        {
            var (name, parameter) = trainable[i];
            var dot = name.LastIndexOf('.');
            var owner = dot < 0 ? string.Empty : name[..dot];
            var leaf = name[(dot + 1)..];
            if (!modules.TryGetValue(owner, out var module) || !Supported(module) || leaf is not ("weight" or "bias"))
            {
                reason = $"parameter '{name}' is not the weight or bias of a linear or plain 2-D convolution layer";
                return null;
            }

            if (!byModule.TryGetValue(owner, out var layer))
            {
                layer = new Layer(owner, (nn.Module<Tensor, Tensor>)module);
                byModule[owner] = layer;
                order.Add(layer);
            }

            if (leaf == "weight")
            {
                layer.WeightIndex = i;
                layer.WeightShape = parameter.shape;
            }
            else
            {
                layer.BiasIndex = i;
            }
        }

        foreach (var layer in order)
        {
            layer.Hook();
        }

        reason = string.Empty;
        return new PerSampleGradients([.. order], trainable.Count);
    }

    /// <summary>The model's output on <paramref name="x"/>, recording each layer's input and output.</summary>
    public Tensor Forward(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        foreach (var layer in layers)
        {
            layer.Clear();
        }

        var output = model.call(x);
        foreach (var layer in layers)
        {
            if (layer.Calls != 1)
            {
                throw new InvalidOperationException(
                    $"Layer '{layer.Name}' ran {layer.Calls} times in one forward pass; per-sample gradients need each layer once.");
            }
        }

        return output;
    }

    /// <summary>
    /// Per-sample gradients of <paramref name="loss"/> = Σ_i ℓ_i over the batch of the last <see cref="Forward"/>:
    /// one tensor [B, …parameter shape] per trainable parameter, in the caller's dispose scope.
    /// </summary>
    public Tensor[] Of(Tensor loss, bool retainGraph)
    {
        var deltas = Deltas(loss, retainGraph);
        var result = new Tensor[parameterCount];
        using var noGrad = no_grad();
        for (var k = 0; k < layers.Length; k++)
        {
            var (weight, bias) = layers[k].PerSample(deltas[k]);
            layers[k].Put(result, () => weight!, () => bias);
        }

        return result;
    }

    /// <summary>
    /// Σ_i w_i (∇θ ℓ_i)², elementwise, in float64, for <paramref name="loss"/> = Σ_i ℓ_i over the batch of the last
    /// <see cref="Forward"/> and per-sample weights <paramref name="weights"/> ([B]): one tensor per trainable
    /// parameter, in the caller's dispose scope. A linear layer on vectors never forms the per-sample gradients:
    /// each is the outer product δ_i a_iᵀ, so Σ_i w_i (δ_i a_iᵀ)² = (w ⊙ δ²)ᵀ (a²), one matrix product. Other
    /// layers square their per-sample gradients.
    /// </summary>
    public Tensor[] WeightedSquares(Tensor loss, Tensor weights, bool retainGraph)
    {
        var deltas = Deltas(loss, retainGraph);
        var result = new Tensor[parameterCount];
        using var noGrad = no_grad();
        var w = weights.to(ScalarType.Float64);
        for (var k = 0; k < layers.Length; k++)
        {
            var layer = layers[k];
            if (layer.OnVectors)
            {
                var d2 = deltas[k].to(ScalarType.Float64).Squared();
                var a2 = layer.Input!.to(ScalarType.Float64).Squared();
                var wd2 = d2.mul_(w.unsqueeze(1));
                layer.Put(result, () => wd2.t().mm(a2), () => wd2.sum(dim: 0));
                continue;
            }

            var (weight, bias) = layer.PerSample(deltas[k]);
            layer.Put(result, () => Weighted(weight!), () => Weighted(bias));
        }

        return result;

        Tensor Weighted(Tensor perSample)
        {
            var shape = Enumerable.Repeat(1L, (int)perSample.dim()).ToArray();
            shape[0] = perSample.shape[0];
            return perSample.to(ScalarType.Float64).Squared().mul_(w.reshape(shape)).sum(dim: 0);
        }
    }

    /// <summary>δ = ∂loss/∂z of every hooked layer's output z, in layer order.</summary>
    private IList<Tensor> Deltas(Tensor loss, bool retainGraph) =>
        autograd.grad([loss], layers.Select(l => l.Output!).ToList(), retain_graph: retainGraph);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var layer in layers)
        {
            layer.Unhook();
        }
    }

    private static bool Supported(nn.Module module) => module switch
    {
        Linear => true,
        Conv2d c => c.groups == 1 && c.padding_mode == PaddingModes.Zeros && c.padding is { Length: 2 } && c.padding_type is null,
        _ => false,
    };

    private sealed class Layer(string name, nn.Module<Tensor, Tensor> module)
    {
        private nn.Module<Tensor, Tensor>.HookRemover? remover;

        public string Name => name;

        public int? WeightIndex { get; set; }

        public int? BiasIndex { get; set; }

        public long[] WeightShape { get; set; } = [];

        public Tensor? Input { get; private set; }

        public Tensor? Output { get; private set; }

        /// <summary>A linear layer whose last forward took vectors ([B, in]): one position per sample.</summary>
        public bool OnVectors => module is Linear && Input!.dim() == 2;

        public int Calls { get; private set; }

        public void Hook() => remover = module.register_forward_hook((_, input, output) =>
        {
            // Aliases: a container such as Sequential disposes its intermediate tensors' handles.
            Input = input.alias();
            Output = output.alias();
            Calls++;
            return null!;
        });

        public void Unhook()
        {
            remover?.remove();
            remover = null;
        }

        /// <summary>Stores this layer's weight and bias values at their parameter indices, computing only those that are trainable.</summary>
        public void Put(Tensor[] result, Func<Tensor> weight, Func<Tensor> bias)
        {
            if (WeightIndex is { } w)
            {
                result[w] = weight();
            }

            if (BiasIndex is { } b)
            {
                result[b] = bias();
            }
        }

        public void Clear()
        {
            Input = null;
            Output = null;
            Calls = 0;
        }

        /// <summary>∇W ℓ_i and ∇b ℓ_i from δ = ∂(Σ_i ℓ_i)/∂z ([B, out, …]) and the recorded input.</summary>
        public (Tensor? Weight, Tensor Bias) PerSample(Tensor delta)
        {
            var batch = delta.shape[0];
            Tensor a;
            Tensor d;
            if (module is Conv2d conv)
            {
                // a: [B, C_in·k_h·k_w, L] input patches; d: [B, C_out, L].
                a = F.unfold(
                    Input!,
                    (conv.kernel_size[0], conv.kernel_size[1]),
                    (conv.dilation[0], conv.dilation[1]),
                    (conv.padding![0], conv.padding[1]),
                    (conv.stride[0], conv.stride[1]));
                d = delta.reshape(batch, delta.shape[1], -1);
            }
            else
            {
                // Linear on [B, …, in]: positions are the middle dimensions. a: [B, in, T]; d: [B, out, T].
                a = Input!.reshape(batch, -1, Input.shape[^1]).transpose(1, 2);
                d = delta.reshape(batch, -1, delta.shape[^1]).transpose(1, 2);
            }

            return (WeightIndex is null ? null : bmm(d, a.transpose(1, 2)).reshape([batch, .. WeightShape]), d.sum(2));
        }
    }
}
