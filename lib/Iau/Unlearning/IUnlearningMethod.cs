using Iau.Models;

namespace Iau.Unlearning;

/// <summary>
/// An unlearning method. It only defines its own step: <see cref="Begin"/> prepares whatever state it
/// needs on the working copy, and the returned procedure's <see cref="IUnlearningProcedure.Step"/> does
/// one unit of work. The shared driver (<see cref="Unlearner"/>) owns the copy of the model, iteration,
/// timing, progress, cancellation and disposal.
/// </summary>
public interface IUnlearningMethod
{
    /// <summary>Registry name (iau, retrain, ft, …).</summary>
    string Name { get; }

    /// <summary>One line: what the method does and its main settings.</summary>
    string Describe();

    /// <summary>
    /// Starts unlearning on <paramref name="model"/>, a private copy of the original that the method
    /// modifies in place (or replaces through <see cref="IUnlearningProcedure.Result"/>).
    /// </summary>
    IUnlearningProcedure Begin(IauModel model, UnlearningData data, UnlearningContext context);
}

/// <summary>A method's work in progress: a known number of steps, each one unit of work.</summary>
public interface IUnlearningProcedure : IDisposable
{
    /// <summary>How many steps the driver calls (a method may finish earlier by returning false).</summary>
    int TotalSteps { get; }

    /// <summary>What a step is ("update", "epoch", "CG iteration", …), for progress displays.</summary>
    string StepUnit { get; }

    /// <summary>Does step <paramref name="index"/> (0-based); returns false when the method is done.</summary>
    bool Step(int index, CancellationToken cancellationToken);

    /// <summary>The unlearned model: the working copy unless the method built a new one (e.g. Retrain).</summary>
    IauModel Result { get; }

    /// <summary>What the method did, as key → value notes (e.g. CG residual, epochs trained).</summary>
    IReadOnlyDictionary<string, string> Notes { get; }
}
