using Concord.Grains.Replication;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Entities;

/// <summary>
/// An entity's replica whatever its state type (<see cref="EntityStateMachine{TState}"/>): what a host that holds
/// replicas of several entity types side by side (the simulator's region) needs of each.
/// </summary>
internal interface IEntityStateMachine
{
    string EntityId { get; }

    string HomeRegion { get; }

    EntityReplica Replica { get; }

    /// <summary>Forwarded strict commands whose answer was lost; their retries go back to the same decider.</summary>
    UnansweredForwards Unanswered { get; }

    /// <summary>The version of the durable fold.</summary>
    VersionVector Version { get; }

    /// <summary>The position of the durable fold.</summary>
    long Position { get; }

    /// <summary>The durable state's canonical JSON, as the audit compares it.</summary>
    string CanonicalState { get; }

    /// <summary>Loads the newest snapshot plus the log's tail, then completes any apology a crash left owed.</summary>
    Task LoadAsync(EntitySnapshot? snapshot, CancellationToken cancellationToken);

    bool TryGetDecision(string requestId, out (Interfaces.Events.EventId Id, HlcTimestamp Hlc, long Position) winner);

    Task<EntityReceipt?> ReplayAsync(string requestId, object command, CancellationToken cancellationToken);

    CommandRoute RouteOf(string requestId, object command, Func<string, bool>? mayAsk);

    string DeciderOf(object command);

    /// <summary>Decides <paramref name="command"/> here by the entity type's rule alone and appends what it yields, once.</summary>
    Task<EntityReceipt> DecideHereAsync(string requestId, object command, CommandRoute route);

    Task<(int Rejected, int Dropped, int Copies)> ApplyRemoteAsync(IEnumerable<EventEnvelope> events);

    long GiveableShare(long amount);

    Task<LoggedEvent?> GiveShareAsync(string to, long amount, string requestId);

    void Apologise();
}
