using System.Net;
using Concord.Grains.Hosting;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Concord.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;

namespace Concord.Silo.Storage.Postgres;

/// <summary>
/// Puts a region on PostgreSQL: Concord's event log, Orleans grain state (snapshots, cursors, holds and handle
/// ownership in transactional state), membership (several silos per region) and reminders, all in one database.
/// </summary>
public static class PostgresRegionStorage
{
    /// <summary>The ADO.NET invariant under which Orleans finds Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>Registers the event log store and the start-up schema check. Call before <c>UseOrleans</c>.</summary>
    public static IServiceCollection AddPostgresRegionStorage(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.TryAddSingleton<IEventLogStore, PostgresEventLogStore>();
        services.TryAddSingleton<ICheckpointArchive, PostgresCheckpointArchive>();
        services.AddHostedService<SchemaCheck>();
        return services;
    }

    /// <summary>Orleans clustering, grain storage and reminders over the region's database.</summary>
    public static ISiloBuilder UsePostgresRegionStorage(this ISiloBuilder silo, RegionHostOptions options)
    {
        var connectionString = options.ConnectionString!;
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = Concord.Grains.Interfaces.Replication.RegionClusters.ClusterIdOf(options.Region);
            cluster.ServiceId = options.ServiceId;
        });
        silo.ConfigureEndpoints(options.AdvertisedAddress, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(options.AdvertisedAddress));
        silo.UseAdoNetClustering(clustering =>
        {
            clustering.Invariant = Invariant;
            clustering.ConnectionString = connectionString;
        });
        foreach (var name in new[] { ConcordStorage.Name, ConcordStorage.Transactions })
        {
            silo.AddAdoNetGrainStorage(name, storage =>
            {
                storage.Invariant = Invariant;
                storage.ConnectionString = connectionString;
            });
        }

        silo.UseAdoNetReminderService(reminders =>
        {
            reminders.Invariant = Invariant;
            reminders.ConnectionString = connectionString;
        });
        return silo;
    }

    /// <summary>Refuses to start on a database without Concord's schema, or with another version of it.</summary>
    private sealed class SchemaCheck(NpgsqlDataSource dataSource) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => PostgresSchema.EnsureCurrentAsync(dataSource, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
