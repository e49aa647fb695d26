namespace Iau.Unlearning;

/// <summary>
/// A method name that is not in <see cref="UnlearningMethods"/>. An <see cref="ArgumentException"/>, so callers
/// that catch those still do; the command line reports it as a usage error (exit 2), since the name came from it.
/// </summary>
public sealed class UnknownMethodException : ArgumentException
{
    /// <summary>An exception naming <paramref name="name"/> and every known method.</summary>
    public UnknownMethodException(string name)
        : base($"Unknown unlearning method '{name}'. Known: {string.Join(", ", UnlearningMethods.Names)}.")
    {
        Name = name;
    }

    /// <summary>The name given.</summary>
    public string Name { get; }
}
