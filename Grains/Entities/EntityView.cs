namespace Concord.Grains.Entities;

/// <summary>
/// Declares a derived view of one entity type: a second fold of each entity's events into <typeparamref name="TView"/>,
/// kept by its own grain (<see cref="EntityViewGrain{TView}"/>) and fed by the type's stream. Concord pulls what the
/// stream loses from the log, rebuilds on demand and audits the view against a re-fold. The fold follows the same
/// rules as the entity's: pure, commutative for concurrent events, no change to the view it is given.
/// </summary>
/// <typeparam name="TView">The view: immutable, and serialisable by System.Text.Json (the audit compares its canonical JSON).</typeparam>
public abstract class EntityView<TView> : IStateFold<TView>
    where TView : class
{
    /// <summary>The entity type whose events feed the view.</summary>
    public abstract string EntityType { get; }

    /// <summary>The view's name, unique among the type's views; it names the view in audit findings.</summary>
    public abstract string Name { get; }

    /// <summary>The view of an entity with no events.</summary>
    public abstract TView Initial { get; }

    /// <summary>The view after <paramref name="payload"/> (already upcast to its current version).</summary>
    public abstract TView Apply(TView view, object payload, EventContext context);
}
