using Concord.Grains.Entities;
using Microsoft.Extensions.DependencyInjection;

namespace Orleans.Hosting;

/// <summary>Registers replicated entity types on a silo. See <c>docs/entities.md</c>.</summary>
public static class ConcordEntitySiloBuilderExtensions
{
    /// <summary>
    /// Hosts entity type <paramref name="type"/> in grain <typeparamref name="TGrain"/>: its events replicate,
    /// its strict commands are decided at home, its apologies made there, and the auditor checks it. Validated at
    /// start-up; registering the same type and grain again changes nothing.
    /// </summary>
    public static ISiloBuilder AddReplicatedEntity<TGrain, TState>(this ISiloBuilder builder, ReplicatedEntityType<TState> type)
        where TGrain : ReplicatedEntityGrain<TState>
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(type);
        builder.Services.AddReplicatedEntity<TGrain, TState>(type);
        return builder;
    }

    /// <inheritdoc cref="AddReplicatedEntity{TGrain, TState}(ISiloBuilder, ReplicatedEntityType{TState})"/>
    public static IServiceCollection AddReplicatedEntity<TGrain, TState>(this IServiceCollection services, ReplicatedEntityType<TState> type)
        where TGrain : ReplicatedEntityGrain<TState>
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(type);
        var already = services.Any(d => d.ServiceType == typeof(IEntityTypeRuntime)
            && d.ImplementationInstance is IEntityTypeRuntime existing
            && existing.GrainClass == typeof(TGrain)
            && string.Equals(existing.Name, type.Name, StringComparison.Ordinal));
        if (!already)
        {
            services.AddSingleton<IEntityTypeRuntime>(new EntityTypeRuntime<TState>(type, typeof(TGrain)));
        }

        return services;
    }

    /// <summary>
    /// Hosts the entity type that <paramref name="typeFactory"/> builds from the silo's services, for a type that
    /// needs configuration (its home region from options, say). Registering the same grain again changes nothing.
    /// </summary>
    public static ISiloBuilder AddReplicatedEntity<TGrain, TState>(this ISiloBuilder builder, Func<IServiceProvider, ReplicatedEntityType<TState>> typeFactory)
        where TGrain : ReplicatedEntityGrain<TState>
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddReplicatedEntity<TGrain, TState>(typeFactory);
        return builder;
    }

    /// <inheritdoc cref="AddReplicatedEntity{TGrain, TState}(ISiloBuilder, Func{IServiceProvider, ReplicatedEntityType{TState}})"/>
    public static IServiceCollection AddReplicatedEntity<TGrain, TState>(this IServiceCollection services, Func<IServiceProvider, ReplicatedEntityType<TState>> typeFactory)
        where TGrain : ReplicatedEntityGrain<TState>
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(typeFactory);
        if (!services.Any(d => d.ServiceType == typeof(EntityGrainRegistration) && d.ImplementationInstance is EntityGrainRegistration r && r.GrainClass == typeof(TGrain)))
        {
            services.AddSingleton(new EntityGrainRegistration(typeof(TGrain)));
            services.AddSingleton<IEntityTypeRuntime>(sp => new EntityTypeRuntime<TState>(typeFactory(sp), typeof(TGrain)));
        }

        return services;
    }

    /// <summary>
    /// Adds checks of your own to every audit (cross-entity invariants, say): the auditor verifies each log and hands
    /// the plug-in the verified events of the entities it covers. Registering the same plug-in twice adds it once.
    /// </summary>
    public static ISiloBuilder AddAuditPlugin<TPlugin>(this ISiloBuilder builder)
        where TPlugin : class, Concord.Grains.Audit.IAuditPlugin
    {
        ArgumentNullException.ThrowIfNull(builder);
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddEnumerable(
            builder.Services, ServiceDescriptor.Singleton<Concord.Grains.Audit.IAuditPlugin, TPlugin>());
        return builder;
    }

    /// <summary>
    /// Keeps <paramref name="view"/> of its entity type in grain <typeparamref name="TGrain"/> (marked
    /// <see cref="EntityViewOfAttribute"/>): fed by the type's stream, repaired from the log, audited against a re-fold.
    /// </summary>
    public static ISiloBuilder AddEntityView<TGrain, TView>(this ISiloBuilder builder, EntityView<TView> view)
        where TGrain : EntityViewGrain<TView>
        where TView : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(view);
        var already = builder.Services.Any(d => d.ServiceType == typeof(IEntityViewRuntime)
            && d.ImplementationInstance is IEntityViewRuntime existing
            && existing.GrainClass == typeof(TGrain));
        if (!already)
        {
            builder.Services.AddSingleton<IEntityViewRuntime>(new EntityViewRuntime<TView>(view, typeof(TGrain)));
        }

        return builder;
    }
}

/// <summary>Marks a grain class as registered through a type factory, so that registering it twice adds it once.</summary>
internal sealed record EntityGrainRegistration(Type GrainClass);
