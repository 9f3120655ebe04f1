using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Entities;

/// <summary>One registered view as the type-independent machinery sees it: which grain keeps it, and how the auditor refolds it.</summary>
internal interface IEntityViewRuntime
{
    string Name { get; }

    string EntityType { get; }

    Type GrainClass { get; }

    (long Position, string CanonicalState) FoldForAudit(string entityId, IReadOnlyList<LoggedEvent> log, PayloadTypes payloads);

    IEnumerable<string> Problems(IReadOnlyCollection<string> entityTypes);
}

internal sealed class EntityViewRuntime<TView>(EntityView<TView> view, Type grainClass) : IEntityViewRuntime
    where TView : class
{
    public EntityView<TView> View { get; } = view;

    public string Name => View.Name;

    public string EntityType => View.EntityType;

    public Type GrainClass { get; } = grainClass;

    public (long Position, string CanonicalState) FoldForAudit(string entityId, IReadOnlyList<LoggedEvent> log, PayloadTypes payloads)
    {
        var fold = EntityFold<TView>.Of(View, payloads, entityId, log);
        return (fold.Position, PayloadTypes.CanonicalOf(fold.State));
    }

    public IEnumerable<string> Problems(IReadOnlyCollection<string> entityTypes)
    {
        if (!entityTypes.Contains(EntityType))
        {
            yield return $"view '{Name}' ({GrainClass.Name}) derives from entity type '{EntityType}', which is not registered";
        }

        if (!GrainClass.IsAssignableTo(typeof(EntityViewGrain<TView>)))
        {
            yield return $"view '{Name}': {GrainClass.Name} does not derive from EntityViewGrain<{typeof(TView).Name}>";
        }

        if (!GrainClass.GetCustomAttributes(typeof(EntityViewOfAttribute), inherit: false).OfType<EntityViewOfAttribute>().Any(a => a.EntityType == EntityType))
        {
            yield return $"view '{Name}': {GrainClass.Name} needs [EntityViewOf(\"{EntityType}\")] to receive the type's events";
        }
    }
}
