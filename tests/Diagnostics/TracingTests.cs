using System.Diagnostics;
using Concord.Grains.Diagnostics;
using Concord.Grains.Interfaces.Ledger;
using Concord.TestKit;
using Concord.Tests.Infrastructure;
using OpenTelemetry.Trace;

namespace Concord.Tests.Diagnostics;

/// <summary>
/// One deposit, traced from the caller: its command and append in eu, the replication batch to each peer, the apply in
/// us and ap and the account summary each region derives, all in the caller's trace (OpenTelemetry's in-memory exporter,
/// three in-process regions).
/// </summary>
public sealed class TracingTests
{
    private static readonly ActivitySource Caller = new("Concord.Tests.Caller");

    [Fact]
    public async Task One_deposit_s_trace_spans_three_regions_from_the_caller_to_every_view()
    {
        var exported = new ExportedSpans();
        using var tracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddSource(Caller.Name, ConcordTracing.SourceName, ConcordTracing.OrleansApplicationSourceName)
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(exported)
            .Build();
        await using var regions = await ConcordTestRegions.StartAsync(new ConcordTestRegionsOptions { Regions = ["ap", "eu", "us"], ServiceId = "tracing-test" });
        var account = Names.Account("traced");

        ActivityTraceId trace;
        using (var root = Caller.StartActivity("deposit"))
        {
            trace = root!.TraceId;
            await regions.Grains("eu").GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("traced-1", 5m));
        }

        string[] wanted =
        [
            "concord.command@eu", "concord.append@eu", "concord.replicate@eu>us", "concord.replicate@eu>ap",
            "concord.apply@us", "concord.apply@ap", "concord.view@eu", "concord.view@us", "concord.view@ap",
        ];
        try
        {
            await ConcordTestRegions.WaitUntilAsync(
                () => Task.FromResult(wanted.All(Spans(exported.Snapshot(), trace).Contains)),
                $"every span of the deposit in trace {trace}: {string.Join(", ", wanted)}",
                TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException ex)
        {
            var seen = exported.Snapshot().Where(a => a.TraceId == trace).Select(a => $"{a.Source.Name}/{a.OperationName}@{a.GetTagItem("concord.region")}");
            throw new TimeoutException($"{ex.Message}; the trace holds only: {string.Join(", ", seen)}", ex);
        }

        var spans = exported.Snapshot().Where(a => a.TraceId == trace && a.Source.Name == ConcordTracing.SourceName).ToList();
        var command = spans.Single(s => s.OperationName == "concord.command");
        var append = spans.Single(s => s.OperationName == "concord.append");
        Assert.Equal((account, "traced-1", "Deposited"), ((string?)command.GetTagItem("concord.entity"), (string?)command.GetTagItem("concord.request_id"), (string?)command.GetTagItem("concord.command")));
        Assert.Equal(command.SpanId, append.ParentSpanId);
        foreach (var peer in new[] { "us", "ap" })
        {
            // The trace crosses the link in the batch: the peer's apply is the child of the batch span that carried it
            // (a batch resent after a lost answer would add a second pair: any one must chain up to the append).
            var viewed = spans.First(s => s.OperationName == "concord.view" && (string?)s.GetTagItem("concord.region") == peer);
            var applied = spans.Single(s => s.SpanId == viewed.ParentSpanId);
            var shipped = spans.Single(s => s.SpanId == applied.ParentSpanId);
            Assert.Equal(("concord.apply", peer, $"{account}@eu#1"), (applied.OperationName, (string?)applied.GetTagItem("concord.region"), (string?)applied.GetTagItem("concord.event")));
            Assert.Equal(("concord.replicate", "eu", peer), (shipped.OperationName, (string?)shipped.GetTagItem("concord.region"), (string?)shipped.GetTagItem("concord.peer")));
            Assert.Equal(append.SpanId, shipped.ParentSpanId);
        }

        Assert.Equal(append.SpanId, spans.Single(s => s.OperationName == "concord.view" && (string?)s.GetTagItem("concord.region") == "eu").ParentSpanId);
    }

    /// <summary>Each Concord span of <paramref name="trace"/> as <c>name@region</c>, replication as <c>name@region&gt;peer</c>.</summary>
    private static HashSet<string> Spans(IEnumerable<Activity> exported, ActivityTraceId trace) =>
        [.. exported.Where(a => a.TraceId == trace && a.Source.Name == ConcordTracing.SourceName)
            .Select(a => a.GetTagItem("concord.peer") is string peer ? $"{a.OperationName}@{a.GetTagItem("concord.region")}>{peer}" : $"{a.OperationName}@{a.GetTagItem("concord.region")}")];

    /// <summary>What the in-memory exporter collects, added to from the threads spans end on and read by the test.</summary>
    private sealed class ExportedSpans : System.Collections.ObjectModel.Collection<Activity>
    {
        public List<Activity> Snapshot()
        {
            lock (Items)
            {
                return [.. Items];
            }
        }

        protected override void InsertItem(int index, Activity item)
        {
            lock (Items)
            {
                base.InsertItem(index, item);
            }
        }
    }
}
