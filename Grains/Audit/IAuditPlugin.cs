using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Audit;

/// <summary>
/// A set of checks the auditor runs on every audit: a domain's invariants, replicas and views. The auditor itself
/// verifies what holds for every entity (each hash, each chain link, I4 per origin, chain heads against every
/// peer, signed checkpoints) and hands each plug-in the verified events of the entities it covers. Register with
/// <c>services.AddSingleton&lt;IAuditPlugin, T&gt;()</c>; the ledger's, the handles' and the registered entity
/// types' checks are plug-ins of this kind.
/// </summary>
public interface IAuditPlugin
{
    /// <summary>Starts the plug-in's part of one audit run.</summary>
    IAuditPluginRun Start(AuditRunContext context);
}

/// <summary>
/// One plug-in within one audit run: it may keep totals across entities and check them at the end. The auditor
/// audits several entities at once, so passes of different entities may run concurrently: what a run keeps across
/// entities must be safe for that (a lock around a sum is enough). One entity's pass runs alone.
/// </summary>
public interface IAuditPluginRun
{
    /// <summary>True for the entities whose verified logs this run wants. Every run that covers an entity gets its events.</summary>
    bool Covers(string entityId);

    /// <summary>Starts one entity: its verified events follow in log order.</summary>
    ValueTask<IEntityAuditPass> BeginEntityAsync(string entityId, CancellationToken cancellationToken);

    /// <summary>After every sampled entity; region-wide checks belong here (run only when <see cref="AuditRunContext.IsFull"/> is what they need).</summary>
    Task FinishAsync(CancellationToken cancellationToken);
}

/// <summary>One entity's log going past a plug-in: every event is verified (hash, chain link) before it is applied.</summary>
public interface IEntityAuditPass
{
    void Apply(LoggedEvent verified);

    /// <summary>After the entity's last event: compare what was folded with the replica and views, check invariants.</summary>
    Task FinishAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A pass over an entity of a registered type that takes the state the auditor folded from the verified log instead
/// of folding the log itself: however many plug-ins cover an entity, its log is folded once. The auditor hands the
/// fold over before <see cref="IEntityAuditPass.FinishAsync"/>; when the log cannot be folded here (a payload kind
/// not registered), it hands nothing and reports that itself.
/// </summary>
public interface IFoldedEntityAuditPass<in TState> : IEntityAuditPass
    where TState : class
{
    /// <summary>The fold of the entity's whole verified log, by the same rules the replica folds by, at <paramref name="position"/>.</summary>
    void Folded(TState state, long position);
}

/// <summary>What a plug-in knows of the audit it is part of, and where it reports.</summary>
public sealed class AuditRunContext(string region, bool isFull, IGrainFactory grains, IServiceProvider services, Action<AuditFinding> report)
{
    public string Region { get; } = region;

    /// <summary>True when every entity is audited (no sample): region-wide sums can be compared.</summary>
    public bool IsFull { get; } = isFull;

    public IGrainFactory Grains { get; } = grains;

    public IServiceProvider Services { get; } = services;

    /// <summary>Records a finding of this region.</summary>
    public void Report(string entityId, string kind, long? position, string detail) => report(new AuditFinding(Region, entityId, kind, position, detail));
}
