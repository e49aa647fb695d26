using TorchSharp;

namespace Iau.Runtime;

/// <summary>
/// The one call every entry point (CLI, tests, notebooks) makes before touching tensors. It makes
/// glibc keep freed memory for reuse (MallocTuning: the pool's workers ran 4× slower on page faults without it), makes
/// TorchSharp's natives load (patching a private copy where the system libstdc++ is too old), then picks
/// the device, sets libtorch's thread count and seeds its global generator.
/// </summary>
public static class IauRuntime
{
    private static readonly object Gate = new();
    private static torch.Device? device;

    /// <summary>The device chosen by the last <see cref="Initialize"/> (CPU before any call).</summary>
    public static torch.Device Device => device ?? torch.CPU;

    /// <summary>
    /// Sets up the runtime. Safe to call more than once (the native fix happens once per process; device,
    /// threads and seed are applied on every call).
    /// </summary>
    /// <exception cref="IauRuntimeException">Natives cannot be loaded, or the device asked for is absent.</exception>
    public static RuntimeInfo Initialize(RuntimeOptions? options = null)
    {
        options ??= RuntimeOptions.Default;
        lock (Gate)
        {
            var malloc = MallocTuning.Apply();
            var fix = LibTorchSharpLoader.EnsureLoadable();
            bool cuda;
            try
            {
                cuda = torch.cuda.is_available();
            }
            catch (TypeInitializationException e)
            {
                throw new IauRuntimeException(
                    "TorchSharp's native libraries failed to load: " + (e.InnerException?.Message ?? e.Message), e);
            }

            var chosen = ResolveDevice(options.Device, cuda);
            var threads = options.Threads ?? Environment.ProcessorCount;
            if (threads < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), threads, "Threads must be at least 1.");
            }

            torch.set_num_threads(threads);
            WarmUp();
            torch.random.manual_seed(options.Seed);
            if (cuda)
            {
                torch.cuda.manual_seed_all(options.Seed);
            }

            device = chosen;
            var version = typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown";
            return new RuntimeInfo(chosen.ToString(), threads, options.Seed, version, cuda, fix, malloc, FinalizerGuard.Describe());
        }
    }

    /// <summary>
    /// Runs the in-place arithmetic overloads once, outside any dispose scope, so that whatever TorchSharp
    /// creates lazily for their default arguments (e.g. the alpha = 1 scalar of add_(Tensor)) is created here and
    /// not inside a caller's dispose scope, which would free it while TorchSharp still holds it (seen as rare
    /// "toDouble" failures in add_ under parallel tests).
    /// </summary>
    private static void WarmUp()
    {
        using var a = torch.zeros(2);
        using var b = torch.ones(2);
        a.add_(b);
        a.sub_(b);
        a.mul_(b);
        a.div_(b);
        using var c = a.add(b);
        using var d = a.sub(b);
        using var e = a + b;
        using var f = a - b;
    }

    /// <summary>Re-seeds libtorch's global generator (every random choice of the kit also takes its own seed).</summary>
    public static void Seed(long seed)
    {
        torch.random.manual_seed(seed);
    }

    private static torch.Device ResolveDevice(string name, bool cuda)
    {
        var n = name.Trim().ToLowerInvariant();
        if (n == "auto")
        {
            return cuda ? torch.CUDA : torch.CPU;
        }

        if (n == "cpu")
        {
            return torch.CPU;
        }

        if (n.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!cuda)
            {
                throw new IauRuntimeException(
                    $"Device '{name}' was asked for but libtorch sees no CUDA device. This build uses the " +
                    "TorchSharp-cpu backend unless restored with -p:TorchBackend=cuda; use --device cpu or auto.");
            }

            return new torch.Device(n);
        }

        throw new IauRuntimeException($"Unknown device '{name}': use auto, cpu, cuda or cuda:N.");
    }
}
