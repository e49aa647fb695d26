using System.Globalization;

namespace Iau.Unlearning;

/// <summary>
/// What the tuner may try for one option, declared beside the option (see <see cref="MethodOptions{T}"/>).
/// A value is drawn from a uniform fraction f ∈ [0, 1):
/// <code>
///     log-uniform[a, b]:  exp(ln a + f·(ln b − ln a))      uniform[a, b]:  a + f·(b − a)
///     integers[a, b]:     a + ⌊f·(b − a + 1)⌋               choice{v_1..v_n}: v_{⌊f·n⌋+1}
/// </code>
/// Real values are rounded to 3 significant digits so that recipes stay readable.
/// </summary>
public abstract record SearchSpace
{
    /// <summary>Log-uniform between two positive bounds.</summary>
    public static SearchSpace LogUniform(double min, double max) => new LogUniformSpace(min, max);

    /// <summary>Uniform between two bounds.</summary>
    public static SearchSpace Uniform(double min, double max) => new UniformSpace(min, max);

    /// <summary>Integers from <paramref name="min"/> to <paramref name="max"/> inclusive.</summary>
    public static SearchSpace Integers(int min, int max) => new IntegerSpace(min, max);

    /// <summary>One of the given values (as option text).</summary>
    public static SearchSpace Choice(params string[] values) => new ChoiceSpace(values);

    /// <summary>The value (option text) for a uniform fraction in [0, 1).</summary>
    public abstract string At(double fraction);

    /// <summary>A short description, e.g. "log-uniform[0.0001, 0.1]".</summary>
    public abstract string Describe();

    /// <summary>x rounded to 3 significant digits, as invariant text.</summary>
    protected static string Round3(double x) =>
        double.Parse(x.ToString("G3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

    private static string Text(double x) => x.ToString(CultureInfo.InvariantCulture);

    private sealed record LogUniformSpace(double Min, double Max) : SearchSpace
    {
        public override string At(double fraction) => Round3(Math.Exp(Math.Log(Min) + (fraction * (Math.Log(Max) - Math.Log(Min)))));

        public override string Describe() => $"log-uniform[{Text(Min)}, {Text(Max)}]";
    }

    private sealed record UniformSpace(double Min, double Max) : SearchSpace
    {
        public override string At(double fraction) => Round3(Min + (fraction * (Max - Min)));

        public override string Describe() => $"uniform[{Text(Min)}, {Text(Max)}]";
    }

    private sealed record IntegerSpace(int Min, int Max) : SearchSpace
    {
        public override string At(double fraction) =>
            Math.Min(Max, Min + (int)Math.Floor(fraction * (Max - Min + 1))).ToString(CultureInfo.InvariantCulture);

        public override string Describe() => FormattableString.Invariant($"integers[{Min}, {Max}]");
    }

    private sealed record ChoiceSpace(IReadOnlyList<string> Values) : SearchSpace
    {
        public override string At(double fraction) => Values[Math.Min(Values.Count - 1, (int)Math.Floor(fraction * Values.Count))];

        public override string Describe() => "choice{" + string.Join(", ", Values) + "}";
    }
}
