using System.Diagnostics;

namespace Concord.Grains.Diagnostics;

/// <summary>
/// The <c>Concord</c> activity source: one trace follows a write from the command that made it, through its append
/// and each replication batch that carried it, to its apply in every peer region and the derived views it updated
/// there. Listen to it (and to <c>Microsoft.Orleans.Application</c>, so a client's trace continues into the region)
/// with OpenTelemetry's <c>AddSource</c>; the silo's <c>--otlp-endpoint</c> exports both. Spans are made only while
/// something listens, so an untraced region pays nothing. docs/observability.md lists the spans and their tags.
/// </summary>
public static class ConcordTracing
{
    public const string SourceName = "Concord";

    /// <summary>The Orleans source whose grain-call spans carry a caller's trace into a region.</summary>
    public const string OrleansApplicationSourceName = "Microsoft.Orleans.Application";

    internal static readonly ActivitySource Source = new(SourceName, typeof(ConcordTracing).Assembly.GetName().Version?.ToString());

    internal const string Region = "concord.region";
    internal const string Entity = "concord.entity";
    internal const string Event = "concord.event";
    internal const string RequestId = "concord.request_id";
    internal const string Peer = "concord.peer";
    internal const string Origin = "concord.origin";
    internal const string View = "concord.view";

    /// <summary>
    /// Starts a span under <paramref name="parent"/> without making it the current activity: a batch opens one per
    /// traced event it carries, each in its own trace, none the parent of what the caller does next.
    /// </summary>
    internal static Activity? StartDetached(string name, ActivityKind kind, ActivityContext parent)
    {
        var current = Activity.Current;
        var span = Source.StartActivity(name, kind, parent);
        Activity.Current = current;
        return span;
    }

    /// <summary>Ends spans started by <see cref="StartDetached"/>, marking them failed when <paramref name="error"/> is given.</summary>
    internal static void EndAll(IEnumerable<Activity> spans, Exception? error = null)
    {
        foreach (var span in spans)
        {
            if (error is not null)
            {
                span.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
            }

            span.Dispose();
        }
    }

    /// <summary>An activity context in W3C <c>traceparent</c> form, as a replication batch carries it.</summary>
    internal static string TraceParentOf(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>Reads a <c>traceparent</c>; false for anything that is not one (a batch's traces are never trusted).</summary>
    internal static bool TryReadTraceParent(string? traceParent, out ActivityContext context) =>
        ActivityContext.TryParse(traceParent, null, isRemote: true, out context);
}
