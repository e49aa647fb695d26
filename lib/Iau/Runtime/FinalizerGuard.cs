namespace Iau.Runtime;

/// <summary>
/// The guard against TorchSharp's finalizer race (environment.md, "A TorchSharp race"). TorchSharp 0.107 hands
/// libtorch the native handle of a Tensor or Scalar argument without keeping the managed object alive during the
/// call: once the handle is read, optimised JIT code no longer reports the object to the garbage collector. A
/// collection started by another thread during the native call can then let the finalizer free the Scalar or Tensor
/// that libtorch is still reading. Every <c>a + b</c> (TorchSharp's <c>add(b, 1)</c> makes a Scalar for the 1) and every
/// unscoped temporary is exposed; the outcome is a libtorch error in <c>c10::Scalar::toFloat</c>, a segmentation fault,
/// or wrong numbers without any error. <c>iau bench finalizers</c> shows it: unguarded, a loop of
/// <c>x.add(full(n, 2)).mul(3.0)</c> beside a thread that collects usually dies of a segmentation fault within seconds.
/// <para>
/// The guard is the runtime's <c>DOTNET_JITMinOpts=1</c>: code the JIT compiles without optimisation reports every
/// argument and local as live until its method returns, so TorchSharp's wrapper keeps its argument alive through the
/// native call. It must be set before the runtime starts: the CLI starts itself again with it (GuardedExec), the
/// tests get it from their run settings, and the notebook kernel from its kernel spec (notebooks/setup-kernel). Its
/// cost is measured by the same benchmark. It is a workaround of a TorchSharp defect, not a fix of it: code the
/// runtime ships precompiled (ReadyToRun) keeps its optimisation, which does not matter here since TorchSharp is
/// not precompiled.
/// </para>
/// </summary>
public static class FinalizerGuard
{
    /// <summary>The runtime setting that is the guard.</summary>
    public const string Variable = "DOTNET_JITMinOpts";

    /// <summary>The older spelling of <see cref="Variable"/>, still read by the runtime.</summary>
    internal const string LegacyVariable = "COMPlus_JITMinOpts";

    /// <summary>Whether this process started with the guard on.</summary>
    public static bool IsOn => Value(Variable) ?? Value(LegacyVariable) ?? false;

    /// <summary>Whether the environment decides the guard either way (set to on or off), so that no one should change it.</summary>
    public static bool IsChosen => Value(Variable) is not null || Value(LegacyVariable) is not null;

    /// <summary>One line for <see cref="RuntimeInfo.Finalizers"/>.</summary>
    internal static string Describe() => IsOn
        ? $"guarded ({Variable}=1)"
        : $"exposed to TorchSharp's finalizer race ({Variable} is not 1; environment.md, 'A TorchSharp race')";

    /// <summary>The runtime reads the value as a hexadecimal number; anything it would not read as such leaves the guard off.</summary>
    private static bool? Value(string name) => Environment.GetEnvironmentVariable(name) is { } v
        ? int.TryParse(v.Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var n) && n != 0
        : null;
}
