using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Entities;

/// <summary>One registered entity type as the type-independent machinery sees it: routing, home, audit.</summary>
internal interface IEntityTypeRuntime
{
    string Name { get; }

    Type GrainClass { get; }

    PayloadTypes Payloads { get; }

    bool IsValidKey(string key);

    /// <summary>True when the type's entity ids are bare keys (the ledger's accounts).</summary>
    bool KeyIsEntityId { get; }

    /// <summary>The id of the entity with <paramref name="key"/> in logs and replication.</summary>
    string EntityIdOf(string key);

    string HomeRegionOf(string key, IReadOnlyList<string> regions);

    /// <summary>Folds a whole log as the auditor does and reports what it finds.</summary>
    EntityAuditFold FoldForAudit(string entityId, IReadOnlyList<LoggedEvent> log, bool atHome);

    /// <summary>Hands <paramref name="fold"/>'s state to <paramref name="pass"/> when it takes this type's folded state.</summary>
    void Offer(EntityAuditFold fold, Audit.IEntityAuditPass pass);

    /// <summary>The canonical JSON of a fold of the log's first <paramref name="position"/> events (to check a snapshot).</summary>
    string CanonicalStateAt(string entityId, IReadOnlyList<LoggedEvent> log, long position);

    /// <summary>Configuration problems: each names the type and what is wrong.</summary>
    IEnumerable<string> Problems();
}

/// <summary>What a fold of the log says, for comparing with the replica and checking the type's rules.</summary>
internal sealed record EntityAuditFold(long Position, object State, string CanonicalState, IReadOnlyList<string> Violations, IReadOnlyList<string> OwedApologies);

internal sealed class EntityTypeRuntime<TState> : IEntityTypeRuntime
    where TState : class
{
    public EntityTypeRuntime(ReplicatedEntityType<TState> type, Type grainClass)
    {
        Type = type;
        GrainClass = grainClass;
        ChecksRetries = type.GetType().GetMethod(nameof(ReplicatedEntityType<TState>.IsRetryOf))!.DeclaringType != typeof(ReplicatedEntityType<TState>);
        IsReentrant = grainClass.IsDefined(typeof(Orleans.Concurrency.ReentrantAttribute), inherit: true);
        HasOwnDerivedState = grainClass.GetMethod("CatchUpDerivedAsync", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)?.DeclaringType
            is { } declaring && declaring != typeof(ReplicatedEntityGrain<TState>);
        Payloads = new PayloadTypes();
        type.RegisterPayloads(Payloads);
    }

    public ReplicatedEntityType<TState> Type { get; }

    /// <summary>The type's escrow, when its strict commands spend a bounded counter.</summary>
    public IEscrowedEntityType<TState>? Escrow => Type as IEscrowedEntityType<TState>;

    /// <summary>Whether the type compares retries with their first attempt; when it does not, a replay needs no read of the log.</summary>
    public bool ChecksRetries { get; }

    /// <summary>Whether the grain is reentrant, so that a call may wait in it for replication to arrive.</summary>
    public bool IsReentrant { get; }

    /// <summary>Whether the grain keeps derived state of its own that the repair pass must catch up.</summary>
    public bool HasOwnDerivedState { get; }

    public string Name => Type.Name;

    public bool KeyIsEntityId => Type.KeyIsEntityId;

    public string EntityIdOf(string key) => KeyIsEntityId ? key : Interfaces.Entities.EntityIds.Of(Name, key);

    public Type GrainClass { get; }

    public PayloadTypes Payloads { get; }

    public bool IsValidKey(string key) => Type.IsValidKey(key);

    public string HomeRegionOf(string key, IReadOnlyList<string> regions) => Type.HomeRegionOf(key, regions);

    public EntityAuditFold FoldForAudit(string entityId, IReadOnlyList<LoggedEvent> log, bool atHome)
    {
        var fold = EntityFold<TState>.Of(Type, Payloads, entityId, log);
        return new EntityAuditFold(
            fold.Position,
            fold.State,
            PayloadTypes.CanonicalOf(fold.State),
            [.. Type.CheckInvariants(fold.State, atHome)],
            atHome ? [.. Type.OwedApologies(fold.State).Select(a => a.Key).Where(k => !fold.TryGetRequest(ApologyRequests.IdOf(k), out _))] : []);
    }

    public void Offer(EntityAuditFold fold, Audit.IEntityAuditPass pass)
    {
        if (pass is Audit.IFoldedEntityAuditPass<TState> typed)
        {
            typed.Folded((TState)fold.State, fold.Position);
        }
    }

    public string CanonicalStateAt(string entityId, IReadOnlyList<LoggedEvent> log, long position) =>
        PayloadTypes.CanonicalOf(EntityFold<TState>.Of(Type, Payloads, entityId, [.. log.Take((int)Math.Min(position, log.Count))]).State);

    public IEnumerable<string> Problems()
    {
        if (!Interfaces.Entities.EntityIds.IsValidTypeName(Type.Name))
        {
            yield return $"entity type name '{Type.Name}' ({Type.GetType().Name}) is not 1-32 characters of a-z 0-9 '-' starting with a letter";
        }

        if (Type.Name is "handle" or "account" or "concord" && GrainClass.Assembly != typeof(IEntityTypeRuntime).Assembly)
        {
            yield return $"entity type name '{Type.Name}' is reserved for Concord's own entities";
        }

        if (!GrainClass.IsAssignableTo(typeof(ReplicatedEntityGrain<TState>)))
        {
            yield return $"entity type '{Type.Name}': {GrainClass.Name} does not derive from ReplicatedEntityGrain<{typeof(TState).Name}>";
        }

        if (Escrow is not null && !Payloads.IsKnown(Interfaces.Entities.Crdts.EscrowShareGiven.KindName))
        {
            yield return $"entity type '{Type.Name}' is escrowed but does not register the hand-over: call payloads.AddEscrowHandOver() in RegisterPayloads";
        }

        foreach (var problem in Payloads.Problems())
        {
            yield return $"entity type '{Type.Name}': {problem}";
        }
    }
}

/// <summary>
/// How apologies get their request ids: one per apology key, the same in every region, so each is appended once.
/// '/' never appears in a client's request id, so no client can take an apology's id first or forge one.
/// </summary>
internal static class ApologyRequests
{
    public const string Prefix = "apology/";

    public static string IdOf(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key), hash);
        return Prefix + Convert.ToHexStringLower(hash[..16]);
    }

    public static bool IsApology(EventEnvelope e) => e.RequestId.StartsWith(Prefix, StringComparison.Ordinal);
}
