using System.Net;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Interfaces.Security;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Concord.Silo.Hosting;
using Concord.Storage.Postgres;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Concord.Bench.Harness;

/// <summary>
/// Regions hosted in this process the way <c>dotnet run --project Silo</c> hosts them (<see cref="RegionHost"/>:
/// memory storage, real TCP gateways, linked by Orleans clients over TCP, authenticated batches, signed
/// checkpoints, fault injection on), on free ports. Each region also gets a TCP client for the load.
/// </summary>
public sealed class Deployment : IAsyncDisposable
{
    private readonly Dictionary<string, IHost> _silos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IHost> _clients = new(StringComparer.Ordinal);
    private readonly List<(string Server, string Name)> _databases = [];

    private Deployment(IReadOnlyList<string> regions) => Regions = regions;

    public IReadOnlyList<string> Regions { get; }

    /// <summary>The TCP client connected to a region's gateway.</summary>
    public IClusterClient Client(string region) => _clients[region].Services.GetRequiredService<IClusterClient>();

    /// <summary>A region's event-log store, read directly (in-process) by watchers that must not add grain calls.</summary>
    public IEventLogStore Store(string region) => _silos[region].Services.GetRequiredService<IEventLogStore>();

    /// <summary>The faults injected into a region's outbound links.</summary>
    public LinkFaults Faults(string region) => _silos[region].Services.GetRequiredService<LinkFaults>();

    /// <summary>The silo's own grain factory: calls from inside the region, with no TCP hop.</summary>
    public IGrainFactory SiloGrains(string region) => _silos[region].Services.GetRequiredService<IGrainFactory>();

    /// <summary>The local three-region deployment (eu, us, ap), or a single region eu.</summary>
    /// <param name="tls">Every hop over TLS, as the local default runs (the client trusts the throwaway authority); plain TCP otherwise.</param>
    public static async Task<Deployment> StartAsync(BenchContext context, int regionCount, CancellationToken cancellationToken, Action<ISiloBuilder>? configureSilo = null, bool tls = false)
    {
        var local = RegionHostOptions.LocalThreeRegions().Take(regionCount).ToList();
        var ports = FreePorts.Take(local.Count * 2);
        var gateways = local.Select((r, i) => (r.Region, Gateway: new IPEndPoint(IPAddress.Loopback, ports[i * 2]))).ToList();
        var deployment = new Deployment([.. local.Select(r => r.Region)]);
        try
        {
            for (var i = 0; i < local.Count; i++)
            {
                var options = local[i];
                options.GatewayPort = ports[i * 2];
                options.SiloPort = ports[(i * 2) + 1];
                options.Peers = gateways.Where(g => g.Region != options.Region)
                    .ToDictionary(g => g.Region, g => new List<IPEndPoint> { g.Gateway }, StringComparer.Ordinal);
                options.Entities.Add("venues");

                // Plain TCP unless asked, as every run in docs/benchmarks.md measured: the figures compare the
                // protocol's cost run to run; the TLS variant of write-paths measures what TLS adds.
                if (!tls)
                {
                    options.Tls = null;
                }

                options.RegionPublicKeysPem = options.RegionPublicKeysPem
                    .Where(k => gateways.Any(g => g.Region == k.Key)).ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
                // Only critical region logs: a region stopping at the end of a scenario logs errors for its timers'
                // last calls, which are noise here; failures during a measurement surface as failed calls.
                if (context.Postgres is { } server)
                {
                    options.Storage = StorageKinds.Postgres;
                    options.ConnectionString = await deployment.CreateDatabaseAsync(server, options.Region, cancellationToken);
                }

                var silo = RegionHost.Create(options, LogLevel.Critical, configureSilo);
                deployment._silos[options.Region] = silo;
                await silo.StartAsync(cancellationToken);
            }

            var trust = local[0].Tls is { } deploymentTls ? DeploymentTls.Of(deploymentTls.Authority) : null;
            foreach (var (region, gateway) in gateways)
            {
                deployment._clients[region] = await ConnectAsync(region, gateway, trust, cancellationToken);
            }

            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync();
            throw;
        }
    }

    /// <summary>Cuts (or heals) every link between <paramref name="region"/> and the other regions, both ways.</summary>
    public void Isolate(string region, bool cut)
    {
        foreach (var other in Regions.Where(r => r != region))
        {
            Faults(region).Set(other, cut ? new LinkFault(Cut: true) : LinkFault.None);
            Faults(other).Set(region, cut ? new LinkFault(Cut: true) : LinkFault.None);
        }
    }

    /// <summary>True when every region holds the same events of every entity.</summary>
    public async Task<bool> DigestsEqualAsync()
    {
        var roots = new List<ChainHash>();
        foreach (var region in Regions)
        {
            roots.Add((await Store(region).GetDigestAsync()).Root);
        }

        return roots.All(r => r == roots[0]);
    }

    /// <summary>A fresh, migrated database for one region on the given server; dropped when the deployment is disposed.</summary>
    private async Task<string> CreateDatabaseAsync(string server, string region, CancellationToken cancellationToken)
    {
        var name = $"concord_bench_{region}_{Guid.NewGuid():N}"[..40];
        await using (var admin = NpgsqlDataSource.Create(server))
        await using (var create = admin.CreateCommand($"CREATE DATABASE \"{name}\""))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        _databases.Add((server, name));
        // Three regions share one server: each region's two pools (Concord's and the Orleans providers') stay
        // within max_connections together.
        var connection = new NpgsqlConnectionStringBuilder(server) { Database = name, MaxPoolSize = 40 }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connection);
        await PostgresSchema.MigrateAsync(dataSource, cancellationToken: cancellationToken);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _clients.Values.Concat(_silos.Values.Reverse()))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await host.StopAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                // Stopping is best effort at the end of a scenario; disposing releases the ports regardless.
            }

            host.Dispose();
        }

        NpgsqlConnection.ClearAllPools();
        foreach (var (server, name) in _databases)
        {
            await using var admin = NpgsqlDataSource.Create(server);
            await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<IHost> ConnectAsync(string region, IPEndPoint gateway, DeploymentTls? tls, CancellationToken cancellationToken)
    {
        // Audits of large regions and activations of long logs are single calls that may take a while.
        var host = Concord.Grains.Interfaces.Replication.RegionClientHost.Create(region, [gateway], "concord", new() { ResponseTimeout = TimeSpan.FromMinutes(2), Tls = tls });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await host.StartAsync(timeout.Token);
        return host;
    }
}
