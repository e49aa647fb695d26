using Iau.Models;

namespace Iau.Unlearning;

/// <summary>Progress of an unlearning run.</summary>
public sealed record UnlearningProgress(string Method, int Step, int TotalSteps, string Unit, TimeSpan Elapsed);

/// <summary>
/// The outcome of one unlearning run: the new model (the original is untouched) and what was done.
/// Dispose it to free the model.
/// </summary>
/// <param name="Method">Registry name.</param>
/// <param name="Description">The method's settings.</param>
/// <param name="Model">The unlearned model (owned by this result).</param>
/// <param name="Steps">Steps done.</param>
/// <param name="Seconds">Wall-clock seconds of the unlearning work alone (no evaluation, no data loading, no copying).</param>
/// <param name="Notes">What the method reported.</param>
public sealed record UnlearningResult(
    string Method,
    string Description,
    IauModel Model,
    int Steps,
    double Seconds,
    IReadOnlyDictionary<string, string> Notes) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
