using Iau.Models;

namespace Iau.Unlearning;

/// <summary>
/// The shell every baseline with declared options shares: its settings (the reference's when none are given),
/// validated on construction against their declaration, and its registry name. A baseline adds only what differs:
/// its description and its procedure.
/// </summary>
/// <typeparam name="TOptions">The method's settings record.</typeparam>
public abstract class DeclaredMethod<TOptions> : IUnlearningMethod
    where TOptions : notnull
{
    /// <summary>A method with <paramref name="options"/>, checked against <paramref name="declared"/>.</summary>
    /// <exception cref="ArgumentException">A setting is out of its declared range (names the first).</exception>
    protected DeclaredMethod(TOptions options, MethodOptions<TOptions> declared, string name)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(declared);
        declared.Validate(options);
        Options = options;
        Name = name;
    }

    /// <summary>The settings.</summary>
    public TOptions Options { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public abstract string Describe();

    /// <inheritdoc />
    public abstract IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context);
}
