using System.Diagnostics.Tracing;
using TorchSharp;

namespace Iau.Tests.Training;

/// <summary>
/// Counts the <see cref="Scalar"/>s that the garbage collector finalizes while an action runs, from the runtime's
/// FinalizeObject events. A finalized Scalar was made and dropped without being disposed: the implicit conversions
/// whose native handle TorchSharp 0.107 does not keep alive through the call (KeptAliveOptimizers.cs). Each one is a
/// chance for the finalizer thread to free a Scalar that libtorch is still reading.
/// </summary>
internal static class ScalarFinalizations
{
    /// <summary>The Scalars finalized by a full collection after <paramref name="action"/>.</summary>
    public static int During(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var listener = new Listener();
        var before = listener.Settled();
        action();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return listener.Settled() - before;
    }

    private sealed class Listener : EventListener
    {
        private readonly ulong scalarType = (ulong)typeof(Scalar).TypeHandle.Value;
        private int finalized;
        private int events;

        /// <summary>The count once events stop arriving (the runtime delivers them from its own thread, late).</summary>
        public int Settled()
        {
            var seen = -1;
            for (var i = 0; i < 50 && seen != Volatile.Read(ref events); i++)
            {
                seen = Volatile.Read(ref events);
                Thread.Sleep(200);
            }

            return Volatile.Read(ref finalized);
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: FinalizeObject
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            Interlocked.Increment(ref events);
            if (eventData.EventName != "FinalizeObject" || eventData.PayloadNames is not { } names || eventData.Payload is not { } payload)
            {
                return;
            }

            var i = names.IndexOf("TypeID");
            if (i >= 0 && ulong.TryParse(payload[i]?.ToString(), out var type) && type == scalarType)
            {
                Interlocked.Increment(ref finalized);
            }
        }
    }
}
