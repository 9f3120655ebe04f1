using System.Collections.Immutable;

namespace Concord.Grains.Interfaces.Audit;

/// <summary>
/// Verifies this region's data instead of trusting it: every hash chain, every replica and snapshot
/// against a fold of its log, every account summary and the region totals against the logs, and the ledger
/// invariants. Use key 0.
/// </summary>
[Alias("concord.IAuditorGrain")]
public interface IAuditorGrain : IGrainWithIntegerKey
{
    /// <summary>Runs an audit; <see cref="AuditRequest.SampleFraction"/> below 1 audits a seeded random part of the entities.</summary>
    [Alias("run")]
    [Events.RequiresRole(Events.ClientRole.Operator)]
    Task<AuditReport> RunAsync(AuditRequest request, CancellationToken cancellationToken = default);

    /// <summary>Activates the auditor; with a routine audit interval configured, its timer audits from then on.</summary>
    [Alias("start")]
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>How far the running audit has got; <see cref="AuditProgress.Running"/> is false between audits.</summary>
    [Alias("progress")]
    [Events.RequiresRole(Events.ClientRole.Operator)]
    Task<AuditProgress> GetProgressAsync(CancellationToken cancellationToken = default);

    /// <summary>The latest report, or null before the first audit.</summary>
    [Alias("latest")]
    [Events.RequiresRole(Events.ClientRole.Operator)]
    Task<AuditReport?> GetLatestAsync(CancellationToken cancellationToken = default);
}

[GenerateSerializer, Immutable, Alias("concord.audit.request")]
public sealed record AuditRequest(
    [property: Id(0)] double SampleFraction = 1.0,
    [property: Id(1)] int Seed = 0);

[GenerateSerializer, Immutable, Alias("concord.audit.progress")]
public sealed record AuditProgress(
    [property: Id(0)] bool Running,
    [property: Id(1)] long Entities,
    [property: Id(2)] long Events,
    [property: Id(3)] int Findings);

[GenerateSerializer, Immutable, Alias("concord.audit.report")]
public sealed record AuditReport(
    [property: Id(0)] string Region,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] TimeSpan Duration,
    [property: Id(3)] double SampleFraction,
    [property: Id(4)] long Entities,
    [property: Id(5)] long Events,
    [property: Id(6)] long Chains,
    [property: Id(7)] ImmutableArray<AuditFinding> Findings,
    [property: Id(8)] ImmutableArray<string> PeersUnreachable = default)
{
    public bool IsClean => Findings.IsDefaultOrEmpty;
}

/// <summary>One problem: where (region, entity, first bad log position when there is one), what kind, and the evidence.</summary>
[GenerateSerializer, Immutable, Alias("concord.audit.finding")]
public sealed record AuditFinding(
    [property: Id(0)] string Region,
    [property: Id(1)] string EntityId,
    [property: Id(2)] string Kind,
    [property: Id(3)] long? Position,
    [property: Id(4)] string Detail);

/// <summary>The kinds of finding; docs/audit.md explains each.</summary>
public static class AuditFindingKinds
{
    public const string HashMismatch = "hash-mismatch";
    public const string ChainBroken = "chain-broken";
    public const string ReplicaMismatch = "replica-mismatch";
    public const string SnapshotMismatch = "snapshot-mismatch";
    public const string ViewMismatch = "view-mismatch";
    public const string TotalsMismatch = "totals-mismatch";
    public const string InvariantViolated = "invariant-violated";
    public const string Divergent = "divergent";
    public const string Equivocation = "equivocation";

    /// <summary>An entity's type or one of its payload kinds is not registered in the audited region.</summary>
    public const string UnknownType = "unknown-type";
}
