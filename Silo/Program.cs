using System.Runtime.InteropServices;
using Concord.Silo.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

return await SiloCommandLine.RunAsync(args, Console.Out, Console.Error, RunRegionsAsync, MigrateCommand.RunAsync);

// Hosts the regions until SIGTERM or Ctrl+C; exit code 1 when one of them cannot start.
static async Task<int> RunRegionsAsync(IReadOnlyList<RegionHostOptions> regions, bool verbose, CancellationToken cancellationToken)
{
    using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        shutdown.Cancel();
    };
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        shutdown.Cancel();
    });

    var hosts = new List<(RegionHostOptions Options, IHost Host)>();
    var exitCode = 0;

    // The local default's throwaway authority, published for this user's clients (the CLI, the SDK) so that they
    // connect with TLS without flags; withdrawn when the process stops.
    var throwaway = regions.Select(r => r.Tls).FirstOrDefault(t => t is { IsThrowaway: true });
    if (throwaway is not null)
    {
        Concord.Grains.Interfaces.Security.LocalDeploymentTrust.Publish(throwaway, regions.Select(r => new System.Net.IPEndPoint(r.AdvertisedAddress, r.GatewayPort)));
    }

    try
    {
        foreach (var options in regions)
        {
            // Orleans listens with address reuse, so a port another process holds would not fail its start: check first.
            if (RegionHost.PortInUse(options) is { } busy)
            {
                Console.Error.WriteLine($"error: region {options.Region} failed to start: port {busy} is in use by another process");
                exitCode = 1;
                shutdown.Cancel();
                break;
            }

            var host = RegionHost.Create(options, verbose ? LogLevel.Information : LogLevel.Warning);
            try
            {
                await host.StartAsync(shutdown.Token);
            }
            catch (OperationCanceledException)
            {
                // Shutdown asked for during start: stop what started (a durable silo leaves the membership), then go.
                using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await host.StopAsync(stopTimeout.Token);
                }
                catch (Exception)
                {
                    // It never got far enough to stop; disposing releases what it holds.
                }

                host.Dispose();
                throw;
            }
            catch (Exception ex)
            {
                // A host that never started is not stopped, only disposed.
                host.Dispose();
                Console.Error.WriteLine($"error: region {options.Region} failed to start: {ex.GetBaseException().Message}");
                exitCode = 1;
                shutdown.Cancel();
                break;
            }

            hosts.Add((options, host));

            // An open region (no client credentials) says so where people look first.
            var peers = options.Peers.Count == 0 ? "no peers" : $"peers {string.Join(", ", options.Peers.Keys.Order(StringComparer.Ordinal))}";
            var faults = options.FaultInjection ? ", fault injection on" : string.Empty;
            faults += options.RecoverFromPeers ? ", recovering from peers (no local writes until they sent back what they hold)" : string.Empty;
            var access = options.ClientCredentials.Count == 0 ? "open to any client" : "clients need a credential";
            var links = options.Peers.Count == 0 ? string.Empty : options.ReplicationSecret is null ? ", links unauthenticated" : ", links authenticated";
            var web = $"{options.WebScheme}://{options.AdvertisedAddress}:{options.DashboardPort}";
            var dashboard = options.DashboardPort is not null ? $", console {web}/console, dashboard {web}/dashboard" : string.Empty;
            var tls = options.Tls switch
            {
                null => ", plain TCP (no TLS)",
                { IsThrowaway: true } => ", TLS on (throwaway local authority)",
                { } configured => $", TLS on ({configured.Authority.Subject})",
            };
            var metrics = options.MetricsPort is { } m ? $", metrics http://{options.AdvertisedAddress}:{m}/metrics" : string.Empty;
            metrics += options.OtlpEndpoint is { } otlp ? $", traces and metrics to {otlp} ({options.OtlpProtocol})" : string.Empty;
            Console.WriteLine($"region {options.Region} ready: gateway {options.AdvertisedAddress}:{options.GatewayPort} (storage {options.Storage}, {peers}{links}{tls}{faults}, {access}{dashboard}{metrics})");
        }

        await Task.Delay(Timeout.Infinite, shutdown.Token);
    }
    catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
    {
    }

    foreach (var (options, host) in Enumerable.Reverse(hosts))
    {
        Console.WriteLine($"region {options.Region} stopping");
        using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await host.StopAsync(stopTimeout.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"region {options.Region} did not stop within 15 s; exiting anyway");
        }

        host.Dispose();
        Console.WriteLine($"region {options.Region} stopped");
    }

    if (throwaway is not null)
    {
        Concord.Grains.Interfaces.Security.LocalDeploymentTrust.Withdraw();
    }

    return exitCode;
}
