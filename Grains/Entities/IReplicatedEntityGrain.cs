using System.Collections.Immutable;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;

namespace Concord.Grains.Entities;

/// <summary>
/// What Concord itself asks of every replicated entity's grain, whatever its type: events from other regions,
/// strict commands forwarded by other regions, and the state the auditor compares with a fold of the log.
/// Implemented by <see cref="ReplicatedEntityGrain{TState}"/>; user code never calls it.
/// </summary>
[Alias("concord.IReplicatedEntityGrain")]
public interface IReplicatedEntityGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends the events that can be applied now (causal order, duplicates ignored) and buffers the rest; refuses
    /// the whole call, with nothing applied, when an event's payload kind is not registered here.
    /// </summary>
    [Alias("apply-remote")]
    Task<RemoteApplyResult> ApplyRemoteAsync(ImmutableArray<EventEnvelope> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Hands back the events of <paramref name="origin"/> waiting here for their causal past, taken out of the buffer and
    /// kept to hand back again until this replica's chain reaches them: that region lost its tail and takes back what its
    /// peers hold before it writes again (docs/reliability.md).
    /// </summary>
    [Alias("take-waiting")]
    Task<ImmutableArray<EventEnvelope>> TakeWaitingAsync(string origin, CancellationToken cancellationToken = default);

    /// <summary>Local writes are taken again (the region recovered its tail): appends what the replica owes, such as an apology at home.</summary>
    [Alias("resume-local-writes")]
    Task ResumeLocalWritesAsync(CancellationToken cancellationToken = default);

    /// <summary>Decides a command another region forwarded here, the entity's home.</summary>
    [Alias("execute-forwarded")]
    Task<ForwardedCommandResult> ExecuteForwardedAsync(ForwardedCommand command, CancellationToken cancellationToken = default);

    /// <summary>What the auditor compares, in one call: the replica's position and canonical state, and the snapshot as storage holds it now.</summary>
    [Alias("replica-audit-state")]
    Task<ReplicaAuditState> GetAuditStateAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A strict command forwarded to the home region of <see cref="EntityId"/>: the user's serialisable command for a
/// registered entity type, or a batch transfer (which names its request id as the entity). It carries the calling
/// client's session dependency on the entity, since links carry no request context.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.entities.forwarded-command")]
public sealed record ForwardedCommand(
    [property: Id(0)] string EntityId,
    [property: Id(1)] string RequestId,
    [property: Id(2)] object Command,
    [property: Id(3)] string FromRegion,
    [property: Id(4)] string? SessionDependency = null);

/// <summary>
/// The home region's receipt (an <see cref="EntityReceipt"/> for a registered type, the command's own receipt for
/// the ledger and the handles), with the events it appended so the forwarding region applies them at once.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.entities.forwarded-command-result")]
public sealed record ForwardedCommandResult(
    [property: Id(0)] object Receipt,
    [property: Id(1)] ImmutableArray<EventEnvelope> Events)
{
    /// <summary>The receipt as the type the forwarding side expects; a mismatch means the regions run different code.</summary>
    public T ReceiptAs<T>()
        where T : class =>
        Receipt as T ?? throw new InvalidOperationException($"The home region answered with a {Receipt?.GetType().Name ?? "null"}, not a {typeof(T).Name}; do the regions run the same version?");
}

/// <summary>A replica's state as the auditor compares it.</summary>
[GenerateSerializer, Immutable, Alias("concord.entities.audit-state")]
public sealed record EntityAuditState(
    [property: Id(0)] long Position,
    [property: Id(1)] string CanonicalState);

/// <summary>A replica as the auditor compares it: its state, and the snapshot storage holds (read afresh; null when there is none).</summary>
[GenerateSerializer, Immutable, Alias("concord.entities.replica-audit-state")]
public sealed record ReplicaAuditState(
    [property: Id(0)] EntityAuditState Replica,
    [property: Id(1)] EntitySnapshot? StoredSnapshot);

/// <summary>What the session filter needs of an entity's activation: its id, and a bounded wait for a session's dependency.</summary>
internal interface ISessionReplica
{
    string SessionEntityId { get; }

    Task AwaitSessionAsync(VersionVector required);
}
