using Concord.Grains.Entities;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Events;
using Orleans.Concurrency;
using Concord.Grains.Streaming;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Concord.Tests.Entities;

/// <summary>The auditor checks a registered entity type with no code of its own: replica against a re-fold, the type's invariants, owed apologies.</summary>
public sealed class EntityAuditTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(ConcordStorage.Name);
            silo.AddMemoryGrainStorage(ConcordStorage.Transactions);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IEventPublisher, DroppingEventPublisher>();
            silo.AddConcord(options =>
            {
                options.Region = "eu";
                options.DerivedRepairDelay = TimeSpan.FromMilliseconds(200);
                options.SnapshotInterval = 5;
            });
            silo.AddReplicatedEntity<TallyGrain, TallyState>(new TallyType());
            silo.AddEntityView<TallyViewGrain, TallyView>(new TallyViewDefinition());
            silo.AddAuditPlugin<TallyStreakAudit>();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private DroppingEventPublisher Publisher => (DroppingEventPublisher)_cluster.GetSiloServiceProvider().GetRequiredService<IEventPublisher>();

    private Task<AuditReport> AuditAsync() => _cluster.Client.GetGrain<IAuditorGrain>(0).RunAsync(new AuditRequest());

    [Fact]
    public async Task A_fold_that_reads_outside_its_events_is_found_as_a_replica_mismatch()
    {
        var tally = _cluster.Client.GetGrain<ITallyGrain>($"impure-{Guid.NewGuid():N}");
        await tally.CountAsync("c-1", 3);
        Assert.True((await AuditAsync()).IsClean);

        // The fold stamps whatever the side channel says: the replica folded 0, a fold now gives 7.
        TallyType.SideChannel = 7;
        try
        {
            var finding = Assert.Single((await AuditAsync()).Findings);
            Assert.Equal(AuditFindingKinds.ReplicaMismatch, finding.Kind);
            Assert.Equal(1, finding.Position);
            Assert.Contains("\"Stamp\":0", finding.Detail, StringComparison.Ordinal);
            Assert.Contains("\"Stamp\":7", finding.Detail, StringComparison.Ordinal);
        }
        finally
        {
            TallyType.SideChannel = 0;
        }
    }

    [Fact]
    public async Task A_view_catches_up_from_the_log_when_the_feed_loses_every_message()
    {
        var key = $"lossy-{Guid.NewGuid():N}";
        Publisher.ShouldDrop = id => id == $"tally/{key}";
        var tally = _cluster.Client.GetGrain<ITallyGrain>(key);
        await tally.CountAsync("c-1", 4);
        await tally.CountAsync("c-2", 5);
        await tally.CountAsync("c-3", -2);
        var view = _cluster.Client.GetGrain<ITallyViewGrain>($"tally/{key}");
        await Eventually.HoldsAsync(async () => await view.GetAsync() == new TallyView(7, 3, 0), "the view reached the log's head through the repair pass");
        Assert.True(Publisher.Dropped >= 3);
        Assert.DoesNotContain((await AuditAsync()).Findings, f => f.EntityId == $"tally/{key}");
    }

    [Fact]
    public async Task A_view_that_disagrees_with_a_fold_of_the_log_is_found()
    {
        var key = $"view-{Guid.NewGuid():N}";
        var tally = _cluster.Client.GetGrain<ITallyGrain>(key);
        await tally.CountAsync("c-1", 2);
        var view = _cluster.Client.GetGrain<ITallyViewGrain>($"tally/{key}");
        await Eventually.HoldsAsync(async () => (await view.GetAsync()).Events == 1, "the view saw the event");

        TallyViewDefinition.SideChannel = 9;
        try
        {
            var finding = Assert.Single((await AuditAsync()).Findings, f => f.EntityId == $"tally/{key}");
            Assert.Equal(AuditFindingKinds.ViewMismatch, finding.Kind);
            Assert.StartsWith("view 'totals' holds {\"Events\":1,\"Stamp\":0,\"Sum\":2}, the log folds to {\"Events\":1,\"Stamp\":9,\"Sum\":2}", finding.Detail, StringComparison.Ordinal);
        }
        finally
        {
            TallyViewDefinition.SideChannel = 0;
        }
    }

    [Fact]
    public async Task An_entity_activates_from_its_snapshot_and_the_log_tail_and_a_tampered_snapshot_is_found()
    {
        var key = $"snap-{Guid.NewGuid():N}";
        var tally = _cluster.Client.GetGrain<ITallyGrain>(key);
        for (var i = 1; i <= 12; i++)
        {
            await tally.CountAsync($"c-{i}", i);
        }

        var storage = _cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(ConcordStorage.Name);
        var stored = new GrainState<EntitySnapshot>();
        await storage.ReadStateAsync("entity-snapshot", tally.GetGrainId(), stored);
        Assert.True(stored.RecordExists);
        Assert.Equal(10, stored.State!.Position);
        Assert.Contains("\"eu\":10", stored.State.State, StringComparison.Ordinal);

        // A new activation reads the snapshot and the two events after it, and reaches the same state.
        await _cluster.DeactivateAsync(tally);
        Assert.Equal(78, (await tally.GetAsync()).Count.Value);
        Assert.DoesNotContain((await AuditAsync()).Findings, f => f.EntityId == $"tally/{key}");

        // Storage is tampered with under a live replica: the auditor names the snapshot and its position.
        stored.State.State = stored.State.State.Replace("\"eu\":10", "\"eu\":11", StringComparison.Ordinal);
        await storage.WriteStateAsync("entity-snapshot", tally.GetGrainId(), stored);
        var finding = Assert.Single((await AuditAsync()).Findings, f => f.EntityId == $"tally/{key}");
        Assert.Equal(AuditFindingKinds.SnapshotMismatch, finding.Kind);
        Assert.Equal(10, finding.Position);
    }

    [Fact]
    public async Task A_broken_invariant_of_the_type_is_reported_by_the_auditor()
    {
        var key = $"big-{Guid.NewGuid():N}";
        var tally = _cluster.Client.GetGrain<ITallyGrain>(key);
        await tally.CountAsync("c-1", 60);
        await tally.CountAsync("c-2", 50);
        var finding = Assert.Single((await AuditAsync()).Findings, f => f.EntityId == $"tally/{key}");
        Assert.Equal(AuditFindingKinds.InvariantViolated, finding.Kind);
        Assert.Equal("tally: count 110 is over the limit of 100", finding.Detail);
    }

    [Fact]
    public async Task A_plug_in_that_takes_the_folded_state_gets_the_one_fold_of_the_log_and_reports_on_it()
    {
        var key = $"streak-{Guid.NewGuid():N}";
        var tally = _cluster.Client.GetGrain<ITallyGrain>(key);
        await tally.CountAsync("c-1", 4);
        await tally.CountAsync("c-2", 3);
        await tally.CountAsync("c-3", -1);

        // The plug-in never folds: it is handed the auditor's fold (count 6 at position 3) and objects to counts over 5.
        var finding = Assert.Single((await AuditAsync()).Findings, f => f.EntityId == $"tally/{key}");
        Assert.Equal(AuditFindingKinds.InvariantViolated, finding.Kind);
        Assert.Equal(3, finding.Position);
        Assert.Equal("streak: count 6 at position 3 after 3 verified events", finding.Detail);

        // Back at 4, the next audit hands over the new fold and the plug-in has nothing to say (the class's other tests want a clean audit).
        await tally.CountAsync("c-4", -2);
        Assert.DoesNotContain((await AuditAsync()).Findings, f => f.EntityId == $"tally/{key}");
    }

    [Fact]
    public async Task An_apology_owed_at_home_is_appended_once_and_a_missing_one_is_reported()
    {
        var key = $"owed-{Guid.NewGuid():N}";
        var tally = _cluster.Client.GetGrain<ITallyGrain>(key);
        await tally.CountAsync("c-1", -5);
        await Eventually.HoldsAsync(async () => (await tally.GetAsync()).Apologies == 1, "the home region apologised for going negative");
        await tally.CountAsync("c-2", -1);
        Assert.Equal(1, (await tally.GetAsync()).Apologies);
        Assert.DoesNotContain((await AuditAsync()).Findings, f => f.EntityId == $"tally/{key}");

        // A rule that now owes an apology the log never got: the auditor names it.
        TallyType.OweForAnyNegative = true;
        try
        {
            var finding = Assert.Single((await AuditAsync()).Findings, f => f.EntityId == $"tally/{key}");
            Assert.Equal(AuditFindingKinds.InvariantViolated, finding.Kind);
            Assert.Equal("I6: the apology for negative-again is owed at home but not in the log", finding.Detail);
        }
        finally
        {
            TallyType.OweForAnyNegative = false;
        }
    }
}

[GenerateSerializer, Immutable]
public sealed record TallyState([property: Id(0)] PNCounter Count, [property: Id(1)] int Stamp, [property: Id(2)] int Apologies);

public sealed record Counted(int By);

public sealed record WentNegative(long Count);

[GenerateSerializer, Immutable]
public sealed record Count([property: Id(0)] int By);

public sealed class TallyType : ReplicatedEntityType<TallyState>
{
    public static volatile int SideChannel;
    public static volatile bool OweForAnyNegative;

    public override string Name => "tally";

    public override TallyState Initial => new(PNCounter.Empty, 0, 0);

    public override void RegisterPayloads(PayloadTypes payloads) => payloads.Add<Counted>("tally.counted").Add<WentNegative>("tally.went-negative");

    public override ConsistencyMode ModeOf(object command) => ConsistencyMode.Optimistic;

    public override object? Decide(TallyState state, object command, CommandContext context) => new Counted(((Count)command).By);

    public override TallyState Apply(TallyState state, object payload, EventContext context) => payload switch
    {
        Counted counted => state with { Count = state.Count.Add(context.Dot, counted.By), Stamp = SideChannel },
        WentNegative => state with { Apologies = state.Apologies + 1 },
        _ => state,
    };

    public override IEnumerable<Apology> OwedApologies(TallyState state)
    {
        if (state.Count.Value < 0)
        {
            yield return new Apology("negative", new WentNegative(state.Count.Value));
            if (OweForAnyNegative)
            {
                yield return new Apology("negative-again", new WentNegative(state.Count.Value));
            }
        }
    }

    public override IEnumerable<string> CheckInvariants(TallyState state, bool atHome)
    {
        if (state.Count.Value > 100)
        {
            yield return $"count {state.Count.Value} is over the limit of 100";
        }
    }
}

public interface ITallyGrain : IGrainWithStringKey
{
    Task<EntityReceipt> CountAsync(string requestId, int by);

    Task<TallyState> GetAsync();
}

[GenerateSerializer, Immutable]
public sealed record TallyView([property: Id(0)] long Sum, [property: Id(1)] int Events, [property: Id(2)] int Stamp);

public sealed class TallyViewDefinition : EntityView<TallyView>
{
    public static volatile int SideChannel;

    public override string EntityType => "tally";

    public override string Name => "totals";

    public override TallyView Initial => new(0, 0, 0);

    public override TallyView Apply(TallyView view, object payload, EventContext context) =>
        payload is Counted counted ? new(view.Sum + counted.By, view.Events + 1, SideChannel) : view;
}

public interface ITallyViewGrain : IGrainWithStringKey
{
    Task<TallyView> GetAsync();
}

[EntityViewOf("tally")]
public sealed class TallyViewGrain : EntityViewGrain<TallyView>, ITallyViewGrain
{
    public Task<TallyView> GetAsync() => Task.FromResult(View);
}

[Reentrant]
public sealed class TallyGrain : ReplicatedEntityGrain<TallyState>, ITallyGrain
{
    public Task<EntityReceipt> CountAsync(string requestId, int by) => ExecuteAsync(requestId, new Count(by));

    public Task<TallyState> GetAsync() => Task.FromResult(State);
}

/// <summary>A team's own plug-in over the tally type's folded state: it objects to a "streak-" tally counting over 5.</summary>
public sealed class TallyStreakAudit : Concord.Grains.Audit.IAuditPlugin
{
    public Concord.Grains.Audit.IAuditPluginRun Start(Concord.Grains.Audit.AuditRunContext context) => new Run(context);

    private sealed class Run(Concord.Grains.Audit.AuditRunContext context) : Concord.Grains.Audit.IAuditPluginRun
    {
        public bool Covers(string entityId) => entityId.StartsWith("tally/streak-", StringComparison.Ordinal);

        public ValueTask<Concord.Grains.Audit.IEntityAuditPass> BeginEntityAsync(string entityId, CancellationToken cancellationToken) =>
            ValueTask.FromResult<Concord.Grains.Audit.IEntityAuditPass>(new Pass(context, entityId));

        public Task FinishAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class Pass(Concord.Grains.Audit.AuditRunContext context, string entity) : Concord.Grains.Audit.IFoldedEntityAuditPass<TallyState>
    {
        private int _verified;
        private (TallyState State, long Position)? _fold;

        public void Apply(LoggedEvent verified) => _verified++;

        public void Folded(TallyState state, long position) => _fold = (state, position);

        public Task FinishAsync(CancellationToken cancellationToken)
        {
            var (state, position) = _fold ?? throw new InvalidOperationException($"the auditor handed no fold of {entity}");
            if (state.Count.Value > 5)
            {
                context.Report(entity, AuditFindingKinds.InvariantViolated, position, $"streak: count {state.Count.Value} at position {position} after {_verified} verified events");
            }

            return Task.CompletedTask;
        }
    }
}
