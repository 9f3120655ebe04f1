using Concord.Grains.Entities;
using Concord.Grains.Handles;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Ledger;
using Concord.Samples.Venues;

namespace Concord.Simulation;

/// <summary>
/// The entity types a simulated region hosts side by side, as a silo does: the ledger's accounts, unique handles
/// (decided at one primary region) and the sample's venues, a type built on the public API only.
/// </summary>
internal sealed class SimulatedTypes(string handlesPrimary)
{
    public EntityTypeRuntime<AccountState> Accounts { get; } = new(AccountType.Instance, typeof(AccountGrain));

    public EntityTypeRuntime<HandleState> Handles { get; } = new(new HandleType(handlesPrimary), typeof(HandleGrain));

    public EntityTypeRuntime<VenueState> Venues { get; } = new(new VenueType(), typeof(VenueGrain));

    public string HandlesPrimary { get; } = handlesPrimary;

    /// <summary>The type of <paramref name="entityId"/> (accounts have no type prefix) and its key.</summary>
    public IEntityTypeRuntime Of(string entityId, out string key)
    {
        EntityIds.TrySplit(entityId, out var typeName, out key);
        return typeName switch
        {
            HandleType.TypeName => Handles,
            VenueType.TypeName => Venues,
            _ => Accounts,
        };
    }

    /// <summary>The state a fold of <paramref name="log"/> gives, as the auditor folds it.</summary>
    public static TState FoldOf<TState>(EntityTypeRuntime<TState> runtime, string entityId, IReadOnlyList<LoggedEvent> log)
        where TState : class => EntityFold<TState>.Of(runtime.Type, runtime.Payloads, entityId, log).State;

    public string HomeOf(string entityId, IReadOnlyList<string> regions) => Of(entityId, out var key).HomeRegionOf(key, regions);
}
