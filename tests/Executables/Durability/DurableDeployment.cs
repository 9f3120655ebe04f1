using System.Net;
using System.Security.Cryptography;
using Concord.Client.Sdk;
using Concord.Grains.Storage;
using Concord.Storage.Postgres;
using Concord.Tests.Infrastructure;
using Npgsql;

namespace Concord.Tests.Durability;

/// <summary>
/// Regions on PostgreSQL as separate silo processes, started the way docs/operations.md tells operators to: one
/// database per region, migrated first, then <c>--storage postgres --connection ...</c> per silo.
/// </summary>
public sealed class DurableDeployment : IAsyncDisposable
{
    public const string ReplicationSecret = "durable-test-replication-secret-0123456789";

    private readonly Dictionary<string, string> _databases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NpgsqlDataSource> _dataSources = new(StringComparer.Ordinal);
    private readonly List<SiloProcess> _silos = [];
    private readonly Dictionary<string, PostgresEventLogStore> _stores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(int Gateway, int Silo)>> _ports = new(StringComparer.Ordinal);
    private readonly string _keys = Directory.CreateTempSubdirectory("concord-keys-").FullName;

    /// <summary>Creates a region's database and reserves ports for <paramref name="silos"/> silos.</summary>
    public async Task AddRegionAsync(string region, int silos = 1)
    {
        _databases[region] = await PostgresServer.CreateDatabaseAsync(region);

        // Each region signs checkpoints with its own key and verifies everyone's, as in production.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await File.WriteAllTextAsync(Path.Combine(_keys, $"{region}.key.pem"), key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(_keys, $"{region}.pub.pem"), key.ExportSubjectPublicKeyInfoPem());
        _dataSources[region] = NpgsqlDataSource.Create(_databases[region]);
        var ports = FreePorts.Take(2 * silos);
        _ports[region] = [.. Enumerable.Range(0, silos).Select(i => (ports[2 * i], ports[(2 * i) + 1]))];
    }

    public IReadOnlyList<IPEndPoint> Gateways(string region) => [.. _ports[region].Select(p => new IPEndPoint(IPAddress.Loopback, p.Gateway))];

    /// <summary>The region's event log, read straight from its database.</summary>
    public IEventLogStore Store(string region)
    {
        if (!_stores.TryGetValue(region, out var store))
        {
            _stores[region] = store = new PostgresEventLogStore(_dataSources[region]);
        }

        return store;
    }

    public NpgsqlDataSource Database(string region) => _dataSources[region];

    /// <summary>Starts silo <paramref name="index"/> of a region and waits for its ready line.</summary>
    public async Task<SiloProcess> StartSiloAsync(string region, int index = 0, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? extraArgs = null)
    {
        var (gateway, silo) = _ports[region][index];
        List<string> args =
        [
            "--region", region, "--gateway-port", gateway.ToString(), "--silo-port", silo.ToString(),
            "--storage", "postgres", "--connection", _databases[region], "--probe-timeout", "1", "--fault-injection",
            "--signing-key", Path.Combine(_keys, $"{region}.key.pem"),
            .. extraArgs ?? [],
        ];
        foreach (var other in _ports.Keys)
        {
            args.AddRange(["--region-key", $"{other}={Path.Combine(_keys, $"{other}.pub.pem")}"]);
        }

        foreach (var (peer, ports) in _ports.Where(p => p.Key != region))
        {
            foreach (var (peerGateway, _) in ports)
            {
                args.AddRange(["--peer", $"{peer}=127.0.0.1:{peerGateway}"]);
            }
        }

        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["CONCORD_REPLICATION_SECRET"] = ReplicationSecret };
        var process = SiloProcess.Start($"{region}-{index}", args, env);
        _silos.Add(process);
        await process.WaitReadyAsync();
        return process;
    }

    public ConcordClient Client(string region) => new(new ConcordClientOptions
    {
        Region = region,
        Gateways = [.. Gateways(region)],
        // A silo process that just printed its ready line can take a while to serve its first client on a loaded machine.
        ConnectTimeout = TimeSpan.FromSeconds(20),
        CallTimeout = TimeSpan.FromSeconds(5),
    });

    /// <summary>Dumps the region's database with <c>pg_dump</c> (one consistent snapshot, taken while silos run) to a file.</summary>
    public async Task<string> DumpAsync(string region)
    {
        var file = Path.Combine(_keys, $"{region}-{Guid.NewGuid():N}.dump");
        await RunAsync(PostgresServer.Tool("pg_dump"), [.. ConnectionArgs(_databases[region]), "--format=custom", $"--file={file}"]);
        return file;
    }

    /// <summary>Replaces the region's database (its silos stopped) with a dump, as an operator restores a backup.</summary>
    public async Task RestoreAsync(string region, string dump)
    {
        await _dataSources[region].DisposeAsync();
        if (_stores.Remove(region, out var store))
        {
            await store.DisposeAsync();
        }

        await PostgresServer.DropDatabaseAsync(_databases[region]);
        var name = new NpgsqlConnectionStringBuilder(_databases[region]).Database;
        await using (var admin = NpgsqlDataSource.Create(PostgresServer.ConnectionString!))
        await using (var create = admin.CreateCommand($"CREATE DATABASE \"{name}\""))
        {
            await create.ExecuteNonQueryAsync();
        }

        await RunAsync(PostgresServer.Tool("pg_restore"), [.. ConnectionArgs(_databases[region]), "--exit-on-error", "--single-transaction", dump]);
        _dataSources[region] = NpgsqlDataSource.Create(_databases[region]);
    }

    private static IEnumerable<string> ConnectionArgs(string connectionString)
    {
        var c = new NpgsqlConnectionStringBuilder(connectionString);
        return [$"--host={c.Host}", $"--port={c.Port}", $"--username={c.Username}", $"--dbname={c.Database}"];
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(program)} exited with {process.ExitCode}: {await errors}");
    }

    /// <summary>Request ids of every event the region's log holds, by origin region.</summary>
    public async Task<HashSet<string>> RequestIdsAsync(string region, string origin)
    {
        await using var command = _dataSources[region].CreateCommand("SELECT request_id FROM concord_events WHERE origin = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = origin });
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            Assert.True(ids.Add(reader.GetString(0)), $"request {reader.GetString(0)} appears twice in {region}'s log");
        }

        return ids;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        foreach (var store in _stores.Values)
        {
            await store.DisposeAsync();
        }

        foreach (var dataSource in _dataSources.Values)
        {
            await dataSource.DisposeAsync();
        }

        foreach (var database in _databases.Values)
        {
            await PostgresServer.DropDatabaseAsync(database);
        }

        Directory.Delete(_keys, recursive: true);
    }
}
