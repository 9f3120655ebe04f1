using System.Net;
using Concord.Grains.Hosting;
using Concord.Grains.Replication;
using Concord.Silo.Storage.Postgres;
using Orleans.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Concord.Silo.Hosting;

/// <summary>Builds the host of one region's silo. Several can run in one process, each its own cluster.</summary>
public static class RegionHost
{
    /// <summary>With <c>--fault-injection</c>, <c>1</c> stops every batch transfer between its commit and its appends (crash tests).</summary>
    public const string PauseAfterCommitVariable = "CONCORD_TEST_PAUSE_AFTER_COMMIT";

    public static IHost Create(RegionHostOptions options, LogLevel logLevel = LogLevel.Warning)
    {
        options.Validate();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(logLevel);

        // Several silos in one process trip the watchdog's process-wide timing at start-up; it is noise here.
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);

        // A failed start is reported by the caller in one line; the host's own stack-trace log adds nothing.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

        // The process owns shutdown (SIGTERM, Ctrl+C) for every region it hosts.
        builder.Services.AddSingleton<IHostLifetime, ProcessOwnedLifetime>();
        if (options.Storage == StorageKinds.Postgres)
        {
            // Registered before the silo, so a missing or foreign schema stops start-up before Orleans touches the database.
            builder.Services.AddPostgresRegionStorage(options.ConnectionString!);
        }

        builder.UseOrleans(silo =>
        {
            if (options.Storage == StorageKinds.Postgres)
            {
                silo.UsePostgresRegionStorage(options);
            }
            else
            {
                silo.UseLocalhostClustering(
                    siloPort: options.SiloPort,
                    gatewayPort: options.GatewayPort,
                    serviceId: options.ServiceId,
                    clusterId: RegionHostOptions.ClusterIdOf(options.Region));
                silo.AddMemoryGrainStorage(ConcordStorage.Name);
                silo.AddMemoryGrainStorage(ConcordStorage.Transactions);
                silo.UseInMemoryReminderService();
            }

            silo.Configure<ClusterMembershipOptions>(membership => membership.ProbeTimeout = options.ProbeTimeout);
            silo.AddConcord(concord =>
            {
                concord.Region = options.Region;
                concord.Regions = options.Regions.Count > 0 ? [.. options.Regions] : options.AllRegions;
                concord.FaultInjection = options.FaultInjection;
                concord.ClientCredentials = [.. options.ClientCredentials];
                concord.ReplicationSecret = options.ReplicationSecret;
                concord.SigningKeyPem = options.SigningKeyPem;
                concord.RegionPublicKeysPem = new(options.RegionPublicKeysPem, StringComparer.Ordinal);
            });
        });
        if (options.FaultInjection && Environment.GetEnvironmentVariable(PauseAfterCommitVariable) == "1")
        {
            // Crash tests kill the process in the window between a batch's commit and its appends.
            builder.Services.AddSingleton(new Concord.Grains.Constraints.BatchTransferTestHooks
            {
                AfterCommit = batch =>
                {
                    Console.WriteLine($"test hook: batch {batch} committed; pausing before its debits are appended");
                    return Task.Delay(Timeout.Infinite);
                },
            });
        }

        if (options.Peers.Count > 0)
        {
            var peers = options.Peers.ToDictionary(p => p.Key, p => (IReadOnlyList<IPEndPoint>)p.Value, StringComparer.Ordinal);
            builder.Services.AddSingleton<IRegionLinkFactory>(new PeerClusterLinkFactory(peers, options.ServiceId, TimeSpan.FromSeconds(3), options.ClientCredentials.FirstOrDefault()));
        }

        return builder.Build();
    }

    private sealed class ProcessOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
