using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Entities;

/// <summary>
/// Declares a replicated entity type: its name, its payloads, its event handler (the fold), its command handler
/// (the decisions, each optimistic or strict), its home region, the apologies it owes and its invariants.
/// Concord supplies everything else: chains, causal delivery, dedupe by request id, forwarding to home,
/// replication, anti-entropy and audit. Register it with <c>AddReplicatedEntity</c>. See <c>docs/entities.md</c>.
/// </summary>
/// <typeparam name="TState">The entity's state: immutable, and serialisable by System.Text.Json (the audit compares replicas by its canonical JSON).</typeparam>
public abstract class ReplicatedEntityType<TState> : IStateFold<TState>
    where TState : class
{
    /// <summary>The type name: the <c>type</c> of every entity id <c>type/key</c>. Never changes once events exist.</summary>
    public abstract string Name { get; }

    /// <summary>The state of an entity with no events.</summary>
    public abstract TState Initial { get; }

    /// <summary>Registers every payload type the fold accepts, with its kind name and schema version.</summary>
    public abstract void RegisterPayloads(PayloadTypes payloads);

    /// <summary>
    /// The event handler: the state after <paramref name="payload"/>. It must be pure (no clock, randomness or
    /// I/O), must not change <paramref name="state"/>, and concurrent events must commute.
    /// </summary>
    public abstract TState Apply(TState state, object payload, EventContext context);

    /// <summary>How a command is decided: optimistically in the region that received it, or strictly at home.</summary>
    public abstract ConsistencyMode ModeOf(object command);

    /// <summary>
    /// The region that decides a strict command: by default (null) the entity's home. Return another region for a
    /// command that only that region may decide, such as the resolution of a reservation it made and alone tracks;
    /// return <paramref name="region"/> (this region) to decide it here, for example to refuse it at once.
    /// </summary>
    public virtual string? DecidingRegionOf(TState state, object command, string region) => null;

    /// <summary>
    /// The command handler: the one payload the command appends, or null when nothing needs appending. Throw a
    /// typed exception (for example <see cref="Interfaces.Entities.CommandRejectedException"/>) to refuse it.
    /// </summary>
    public abstract object? Decide(TState state, object command, CommandContext context);

    /// <summary>
    /// Whether <paramref name="command"/>, retried under a request id that already took effect, asks for what
    /// <paramref name="payload"/> (the event that request appended) records. When it does not, the retry is refused
    /// with <see cref="Interfaces.Errors.InvalidRequestException"/> instead of answered with the first receipt. The
    /// default cannot tell, and answers every retry.
    /// </summary>
    public virtual bool IsRetryOf(object command, object payload) => true;

    /// <summary>
    /// True for the ledger's accounts only, whose ids predate entity types: the entity id is the bare key, without
    /// a <c>type/</c> part. At most one registered type may say so.
    /// </summary>
    internal virtual bool KeyIsEntityId => false;

    /// <summary>Keys of this type's entities; the default is <see cref="EntityKeys"/>' rule.</summary>
    public virtual bool IsValidKey(string key) => EntityKeys.IsValidKey(key);

    /// <summary>The entity's home region; by default a stable hash of the key over the sorted region list.</summary>
    public virtual string HomeRegionOf(string key, IReadOnlyList<string> regions) => HomeRegions.OfAccount(key, regions);

    /// <summary>
    /// The apologies owed in <paramref name="state"/>, asked only at the home region after every change. Each key
    /// is appended once, as an event like any other; once it folds, the state should no longer owe it.
    /// </summary>
    public virtual IEnumerable<Apology> OwedApologies(TState state) => [];

    /// <summary>Invariants the auditor checks on a fold of each region's log; each string names a violation.</summary>
    public virtual IEnumerable<string> CheckInvariants(TState state, bool atHome) => [];
}
