using System.Net;
using Concord.Grains.Hosting;
using Concord.Grains.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Orleans.Configuration;
using Concord.Silo.WebConsole;
using Orleans.Dashboard;

namespace Concord.Silo.Hosting;

/// <summary>Builds the host of one region's silo. Several can run in one process, each its own cluster.</summary>
public static class RegionHost
{
    /// <summary>With <c>--fault-injection</c>, <c>1</c> stops every batch transfer between its commit and its appends (crash tests).</summary>
    public const string PauseAfterCommitVariable = "CONCORD_TEST_PAUSE_AFTER_COMMIT";

    /// <summary>The first of the silo's ports that another socket holds, or null when all are free.</summary>
    public static int? PortInUse(RegionHostOptions options)
    {
        foreach (var port in new[] { options.GatewayPort, options.SiloPort, options.DashboardPort, options.MetricsPort }.OfType<int>())
        {
            var probe = new System.Net.Sockets.TcpListener(options.AdvertisedAddress, port);
            try
            {
                probe.Start();
            }
            catch (System.Net.Sockets.SocketException)
            {
                return port;
            }
            finally
            {
                probe.Stop();
            }
        }

        return null;
    }

    /// <param name="configureSilo">Adds to the silo what the host wants beside Concord, such as its own entity types.</param>
    public static IHost Create(RegionHostOptions options, LogLevel logLevel = LogLevel.Warning, Action<ISiloBuilder>? configureSilo = null)
    {
        options.Validate();
        if (options.DashboardPort is not { } dashboardPort)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            Configure(builder, options, logLevel, silo => configureSilo?.Invoke(silo));
            return builder.Build();
        }

        // The Orleans Dashboard and Concord's console are ASP.NET Core endpoints, so this silo's host is a web application.
        var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        web.Logging.ClearProviders();
        web.WebHost.UseUrls($"{options.WebScheme}://{options.AdvertisedAddress}:{dashboardPort}");
        if (options.WebScheme == Uri.UriSchemeHttps)
        {
            // The deployment's own certificate serves the console and dashboard too (the slim builder leaves HTTPS out).
            web.WebHost.UseKestrelHttpsConfiguration();
            web.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = options.Tls!.Certificate));
        }

        Configure(web, options, logLevel, silo =>
        {
            silo.AddDashboard();
            configureSilo?.Invoke(silo);
        });
        var app = web.Build();
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        app.MapConcordConsole(options.ClientCredentials);
        return app;
    }

    private static void Configure(IHostApplicationBuilder builder, RegionHostOptions options, LogLevel logLevel, Action<ISiloBuilder> extra)
    {
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(logLevel);

        // Several silos in one process trip the watchdog's process-wide timing at start-up; it is noise here.
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);

        // A failed start is reported by the caller in one line; the host's own stack-trace log adds nothing.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

        // A refused TLS handshake is logged by RegionTls in one line; Orleans' own lines repeat it with a stack trace.
        builder.Logging.AddFilter(RegionTls.OrleansTlsLogCategory, LogLevel.Error);

        // The process owns shutdown (SIGTERM, Ctrl+C) for every region it hosts.
        builder.Services.AddSingleton<IHostLifetime, ProcessOwnedLifetime>();
        builder.UseOrleans(silo =>
        {
            if (options.Storage == StorageKinds.Postgres)
            {
                silo.Configure<ClusterOptions>(cluster =>
                {
                    cluster.ClusterId = Concord.Grains.Interfaces.Replication.RegionClusters.ClusterIdOf(options.Region);
                    cluster.ServiceId = options.ServiceId;
                });
                silo.ConfigureEndpoints(options.AdvertisedAddress, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(options.AdvertisedAddress));
                silo.AddConcordPostgres(postgres => postgres.ConnectionString = options.ConnectionString);
            }
            else
            {
                silo.UseLocalhostClustering(
                    siloPort: options.SiloPort,
                    gatewayPort: options.GatewayPort,
                    serviceId: options.ServiceId,
                    clusterId: Concord.Grains.Interfaces.Replication.RegionClusters.ClusterIdOf(options.Region));
                silo.AddMemoryGrainStorage(ConcordStorage.Name);
                silo.AddMemoryGrainStorage(ConcordStorage.Transactions);
                silo.UseInMemoryReminderService();
            }

            silo.Configure<ClusterMembershipOptions>(membership => membership.ProbeTimeout = options.ProbeTimeout);
            if (options.Tls is { } tls)
            {
                silo.UseDeploymentTls(tls);
            }

            extra(silo);
            silo.AddConcord(concord =>
            {
                concord.Region = options.Region;
                concord.Regions = options.Regions.Count > 0 ? [.. options.Regions] : options.AllRegions;
                concord.FaultInjection = options.FaultInjection;
                concord.RecoverFromPeers = options.RecoverFromPeers;
                concord.ClientCredentials = [.. options.ClientCredentials];
                concord.ReplicationSecret = options.ReplicationSecret;
                concord.SigningKeyPem = options.SigningKeyPem;
                concord.RegionPublicKeysPem = new(options.RegionPublicKeysPem, StringComparer.Ordinal);
            });
            EntityModules.Add(silo, options.Entities);
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
            var credential = Grains.Interfaces.Events.ClientCredentialRoles.StrongestSecret(options.ClientCredentials);
            builder.Services.AddSingleton<IRegionLinkFactory>(sp => new PeerClusterLinkFactory(
                peers,
                options.ServiceId,
                TimeSpan.FromSeconds(3),
                credential,
                options.Tls,
                RegionTls.UntrustedPeerLog(sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RegionTls).FullName!))));
        }

        if (options.OtlpEndpoint is not null)
        {
            RegionTelemetry.AddOtlpExport(builder.Services, options);
        }

        if (options.MetricsPort is { } metricsPort)
        {
            // Prometheus scrapes http://ADDRESS:PORT/metrics: the Concord meter and Orleans' own, tagged by region.
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(Grains.Diagnostics.ConcordMetrics.MeterName, "Microsoft.Orleans")
                .AddPrometheusHttpListener(listener =>
                {
                    listener.Host = options.AdvertisedAddress.ToString();
                    listener.Port = metricsPort;
                }));
        }
    }

    private sealed class ProcessOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
