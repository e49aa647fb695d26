using System.Diagnostics;
using Iau.Models;
using TorchSharp;

namespace Iau.Unlearning;

/// <summary>
/// The shared driver of every method: copies the original (which is never modified), runs the method's
/// steps under a dispose scope each, times the unlearning work alone, reports progress, honours
/// cancellation and disposes what the method leaves behind.
/// <para>
/// RTE (<see cref="UnlearningResult.Seconds"/>) times the method's steps alone, on data already in tensors. This
/// departs on purpose from the authors' code, whose timer also covers converting the images into tensors
/// (their datasets decode PIL images on every access): it measures the algorithm, not the data pipeline, and
/// is the same for every method, so speed-ups compare like with like (environment.md, "Protocols").
/// </para>
/// </summary>
public static class Unlearner
{
    /// <summary>Runs <paramref name="method"/> on a copy of <paramref name="original"/>.</summary>
    public static UnlearningResult Run(
        IUnlearningMethod method,
        IauModel original,
        UnlearningData data,
        UnlearningContext? context = null,
        IProgress<UnlearningProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Forget.Count == 0)
        {
            throw new ArgumentException("The forget set is empty.", nameof(data));
        }

        context ??= new UnlearningContext();
        var copy = original.Clone();
        IUnlearningProcedure? procedure = null;
        var done = 0;
        var watch = new Stopwatch();
        try
        {
            torch.random.manual_seed(context.Seed);
            watch.Start();
            procedure = method.Begin(copy, data, context);
            watch.Stop();
            for (var i = 0; i < procedure.TotalSteps; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                bool more;
                watch.Start();
                using (torch.NewDisposeScope())
                {
                    more = procedure.Step(i, cancellationToken);
                }

                watch.Stop();
                done = i + 1;
                progress?.Report(new UnlearningProgress(method.Name, done, procedure.TotalSteps, procedure.StepUnit, watch.Elapsed));
                if (!more)
                {
                    break;
                }
            }

            var result = procedure.Result;
            if (!ReferenceEquals(result, copy))
            {
                copy.Dispose();
            }

            return new UnlearningResult(method.Name, method.Describe(), result, done, watch.Elapsed.TotalSeconds, procedure.Notes);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
        finally
        {
            procedure?.Dispose();
        }
    }
}
