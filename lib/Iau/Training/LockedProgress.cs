namespace Iau.Training;

/// <summary>
/// Reports through another progress under a lock, for jobs on <see cref="ParallelWorkers"/> that report from
/// several threads (the caller may take the same lock around its own bookkeeping).
/// </summary>
internal sealed class LockedProgress<T>(IProgress<T>? inner, object gate) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value)
    {
        if (inner is null)
        {
            return;
        }

        lock (gate)
        {
            inner.Report(value);
        }
    }
}
