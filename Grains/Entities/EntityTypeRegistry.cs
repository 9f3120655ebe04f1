using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;
using Orleans.Metadata;

namespace Concord.Grains.Entities;

/// <summary>
/// The entity types this region hosts, found by name from an entity id (<c>type/key</c>). Routing of inbound
/// replication, forwarded commands and the audit goes through here, never through a key prefix of a domain.
/// </summary>
internal sealed class EntityTypeRegistry(IEnumerable<IEntityTypeRuntime> types, IEnumerable<IEntityViewRuntime> views, IServiceProvider services)
{
    private readonly IEntityViewRuntime[] _views = [.. views];

    private readonly Dictionary<string, IEntityTypeRuntime> _byName = types
        .GroupBy(t => t.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    private readonly Dictionary<Type, GrainType> _grainTypes = [];

    // The type whose entity ids are bare keys (the ledger's accounts), if registered.
    private readonly IEntityTypeRuntime? _bare = types.FirstOrDefault(t => t.KeyIsEntityId);

    public IEnumerable<IEntityTypeRuntime> Types => _byName.Values;

    /// <summary>The registered type of <paramref name="entityId"/>: the one its type part names, or the bare-key type when it has none.</summary>
    public bool TryResolve(string entityId, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out IEntityTypeRuntime type, out string key)
    {
        if (EntityIds.TrySplit(entityId, out var name, out key))
        {
            type = _byName.GetValueOrDefault(name);
            return type is not null;
        }

        key = entityId;
        type = _bare;
        return type is not null;
    }

    /// <summary>True when the id has a type part that is not registered (account ids have none).</summary>
    public bool IsUnknownType(string entityId, out string typeName) =>
        EntityIds.TrySplit(entityId, out typeName, out _) && !_byName.ContainsKey(typeName);

    public IEntityTypeRuntime? OfGrainClass(Type grainClass) => _byName.Values.FirstOrDefault(t => t.GrainClass == grainClass);

    public IEntityViewRuntime? ViewOfGrainClass(Type grainClass) => _views.FirstOrDefault(v => v.GrainClass == grainClass);

    /// <summary>The views derived from entity type <paramref name="typeName"/>.</summary>
    public IReadOnlyList<IEntityViewRuntime> ViewsOf(string typeName) => [.. _views.Where(v => v.EntityType == typeName)];

    public IReplicatedEntityGrain GrainOf(IGrainFactory grains, IEntityTypeRuntime type, string key) =>
        grains.GetGrain<IReplicatedEntityGrain>(GrainId.Create(GrainTypeOf(type.GrainClass), key));

    /// <summary>The view grain of one entity: keyed by the entity id, as the log feed that feeds it is.</summary>
    public IEntityViewGrain ViewGrainOf(IGrainFactory grains, IEntityViewRuntime view, string entityId) =>
        grains.GetGrain<IEntityViewGrain>(GrainId.Create(GrainTypeOf(view.GrainClass), entityId));

    private GrainType GrainTypeOf(Type grainClass)
    {
        lock (_grainTypes)
        {
            if (!_grainTypes.TryGetValue(grainClass, out var grainType))
            {
                grainType = ((GrainTypeResolver)services.GetService(typeof(GrainTypeResolver))!).GetGrainType(grainClass);
                _grainTypes[grainClass] = grainType;
            }

            return grainType;
        }
    }

    /// <summary>Refuses an event this region cannot apply: an unregistered type, or a kind its type does not declare.</summary>
    public void RequireKnown(EventEnvelope e)
    {
        if (IsUnknownType(e.EntityId, out var typeName))
        {
            throw new UnknownEntityTypeException(typeName, e.EntityId);
        }

        if (TryResolve(e.EntityId, out var type, out _) && type.Payloads.WhyUnreadable(e.Payload) is { } why)
        {
            throw new UnknownPayloadKindException(e.Payload.Kind, e.EntityId, $"entity type '{type.Name}': {why}");
        }
    }
}
