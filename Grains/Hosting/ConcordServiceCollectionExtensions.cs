using Concord.Grains.Audit;
using Concord.Grains.Constraints;
using Concord.Grains.Entities;
using Concord.Grains.Events;
using Concord.Grains.Hosting;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Concord.Grains.Streaming;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Orleans.Hosting;

/// <summary>Adds Concord to a silo. Safe to call more than once; the first registration of each service wins.</summary>
public static class ConcordSiloBuilderExtensions
{
    /// <summary>
    /// Adds Concord's grains, services and log feed (a broadcast channel). The host must also configure grain storages named
    /// <see cref="ConcordStorage.Name"/> and <see cref="ConcordStorage.Transactions"/>, and a reminder service
    /// (batch-transfer recovery); the embedded default uses memory for all three.
    /// </summary>
    public static ISiloBuilder AddConcord(this ISiloBuilder builder, Action<ConcordOptions>? configure = null)
    {
        builder.Services.AddConcord(configure);
        if (!builder.Services.Any(d => d.ServiceType == typeof(ConcordLogFeedMarker)))
        {
            builder.Services.AddSingleton<ConcordLogFeedMarker>();
            // Pushed, not polled: each publish is a call to each subscribed consumer, which pulls from the log
            // whatever a lost call skipped, so no delivery guarantee is needed and none is waited for.
            builder.AddBroadcastChannel(StreamNames.Provider, channel => channel.FireAndForgetDelivery = true);
        }

        if (!builder.Services.Any(d => d.ServiceType == typeof(TransactionsMarker)))
        {
            // Holds of batch transfers live in Orleans transactional state; the host provides the
            // storage named ConcordStorage.Transactions.
            builder.Services.AddSingleton<TransactionsMarker>();
            builder.UseTransactions();
        }

        if (!builder.Services.Any(d => d.ServiceType == typeof(ActivityPropagationMarker)))
        {
            // A caller's trace continues into the grain it calls (and a forwarded command into the region it is
            // forwarded to); nothing is made while no one listens.
            builder.Services.AddSingleton<ActivityPropagationMarker>();
            builder.AddActivityPropagation();
        }

        if (!builder.Services.Any(d => d.ImplementationType == typeof(RegionBackgroundGrains)))
        {
            builder.Services.AddSingleton<RegionBackgroundGrains>();
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RegionBackgroundGrains>());
        }

        return builder;
    }

    /// <summary>Registers Concord's silo services. Prefer <see cref="AddConcord(ISiloBuilder, Action{ConcordOptions}?)"/>.</summary>
    public static IServiceCollection AddConcord(this IServiceCollection services, Action<ConcordOptions>? configure = null)
    {
        var options = services.AddOptions<ConcordOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (!services.Any(d => d.ImplementationType == typeof(ConcordOptionsValidator)))
        {
            services.AddSingleton<IConfigurationValidator, ConcordOptionsValidator>();
            services.AddSingleton<IConfigurationValidator, Concord.Grains.Entities.EntityTypesValidator>();
        }

        services.TryAddSingleton<Concord.Grains.Entities.EntityTypeRegistry>();
        services.AddReplicatedEntity<Concord.Grains.Ledger.AccountGrain, Concord.Grains.Ledger.AccountState>(_ => Concord.Grains.Ledger.AccountType.Instance);
        services.AddReplicatedEntity<Concord.Grains.Handles.HandleGrain, Concord.Grains.Handles.HandleState>(
            sp => new Concord.Grains.Handles.HandleType(sp.GetRequiredService<IOptions<ConcordOptions>>().Value.HandlePrimary));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuditPlugin, Concord.Grains.Ledger.LedgerAudit>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuditPlugin, Concord.Grains.Handles.HandleAudit>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuditPlugin, RegisteredEntityAudit>());

        // Concord's state types are version-tolerant by [Id]; the silo's default JSON storage serializer
        // cannot read their private fields, so grain storage uses the Orleans serializer.
        if (!services.Any(d => d.ImplementationType == typeof(OrleansGrainStorageSerializer)))
        {
            services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
        }

        services.TryAddSingleton(sp => new HybridLogicalClock(
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<IOptions<ConcordOptions>>().Value.Region));
        services.TryAddSingleton<IEventLogStore, InMemoryEventLogStore>();
        services.TryAddSingleton<IEventPublisher, ChannelEventPublisher>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LinkFaults>();
        services.TryAddSingleton<LocalFeedSignal>();
        services.TryAddSingleton<Concord.Grains.Recovery.RegionWriteGate>();
        services.TryAddKeyedSingleton<Orleans.Providers.IControllable>(Concord.Grains.Recovery.RegionWriteGate.Name, (sp, _) => sp.GetRequiredService<Concord.Grains.Recovery.RegionWriteGate>());
        services.TryAddSingleton<Concord.Grains.Recovery.WaitingEventsRegistry>();
        services.TryAddKeyedSingleton<Orleans.Providers.IControllable>(Concord.Grains.Recovery.WaitingEventsRegistry.Name, (sp, _) => sp.GetRequiredService<Concord.Grains.Recovery.WaitingEventsRegistry>());
        services.TryAddSingleton(sp => new EscrowAskBackoff(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddSingleton<InboundReplicationMonitor>();
        services.TryAddSingleton<BatchTransferTestHooks>();
        services.TryAddSingleton<BatchTransferCoordinator>();
        services.TryAddSingleton<RegionAuditor>();
        services.AddMetrics();
        services.TryAddSingleton<Concord.Grains.Diagnostics.ConcordMetrics>();
        services.TryAddSingleton<Concord.Grains.Diagnostics.EventTraces>();
        services.TryAddSingleton<Concord.Grains.Derived.DerivedPositions>();
        services.TryAddSingleton<ICheckpointArchive, InMemoryCheckpointArchive>();
        services.TryAddSingleton<CheckpointBook>();
        services.TryAddSingleton(sp =>
        {
            var concord = sp.GetRequiredService<IOptions<ConcordOptions>>().Value;
            return new CheckpointSigner(concord.SigningKeyPem, concord.RegionPublicKeysPem);
        });
        services.TryAddSingleton<SiloCallCredential>();
        if (!services.Any(d => d.ImplementationType == typeof(ClientCredentialFilter)))
        {
            services.AddSingleton<IIncomingGrainCallFilter, ClientCredentialFilter>();
            services.AddSingleton<IIncomingGrainCallFilter, StorageFailureFilter>();
            services.AddSingleton<IIncomingGrainCallFilter, SessionFilter>();
        }
        services.TryAddSingleton(sp => new RegionLinks(
            sp.GetService<IRegionLinkFactory>() ?? throw new InvalidOperationException("Concord has peer regions but no IRegionLinkFactory is registered."),
            sp.GetRequiredService<LinkFaults>(),
            sp.GetRequiredService<IOptions<ConcordOptions>>().Value.ReplicationSecret));
        return services;
    }

    private sealed class ConcordLogFeedMarker;

    private sealed class TransactionsMarker;

    private sealed class ActivityPropagationMarker;
}
