using Iau.Runtime;

namespace Iau.Tests;

/// <summary>Initialises the kit's runtime once for every test that touches tensors (CPU, 2 threads, seed 0).</summary>
public static class TestRuntime
{
    private static readonly Lazy<RuntimeInfo> Info = new(() => IauRuntime.Initialize(new RuntimeOptions("cpu", Threads: 2, Seed: 0)));

    public static RuntimeInfo Ensure() => Info.Value;
}
