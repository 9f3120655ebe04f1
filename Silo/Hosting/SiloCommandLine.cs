using System.CommandLine;
using System.Globalization;
using System.Net;

namespace Concord.Silo.Hosting;

/// <summary>
/// The silo's command line, on System.CommandLine like the client's: <c>--help</c> for the silo and for
/// <c>migrate</c>, and one <c>error:</c> line with exit code 2 for anything it cannot use. Unknown or malformed
/// arguments are errors, never ignored.
/// </summary>
public static class SiloCommandLine
{
    /// <summary>Exit code of a bad command line.</summary>
    public const int BadArguments = 2;

    private static readonly Option<string?> Region = new("--region") { HelpName = "ID", Description = "The region id (default eu); names the Orleans cluster concord-ID." };
    private static readonly Option<string?> GatewayPort = new("--gateway-port") { HelpName = "PORT", Description = "Where clients and peer regions connect (default 30000)." };
    private static readonly Option<string?> SiloPort = new("--silo-port") { HelpName = "PORT", Description = "Silo-to-silo port inside the region (default 11111)." };
    private static readonly Option<string?> Advertise = new("--advertise") { HelpName = "IP", Description = "The IP address other silos and clients reach this silo at (default 127.0.0.1)." };
    private static readonly Option<string[]> Peer = new("--peer") { HelpName = "NAME=HOST:PORT", Description = "A gateway of a peer region; repeat for every gateway of every peer." };
    private static readonly Option<string?> Storage = new("--storage") { HelpName = "memory|postgres", Description = "memory (default) or postgres." };
    private static readonly Option<string?> Connection = new("--connection") { HelpName = "CONNSTRING", Description = "The region's PostgreSQL connection string (or CONCORD_CONNECTION)." };
    private static readonly Option<string?> ProbeTimeout = new("--probe-timeout") { HelpName = "SECONDS", Description = "Seconds to wait for a membership probe answer (default 5)." };
    private static readonly Option<bool> FaultInjection = new("--fault-injection") { Description = "Allow admin cut/heal on this region's links." };
    private static readonly Option<bool> RecoverFromPeers = new("--recover-from-peers") { Description = "First start after the database was restored from a backup or failed over: take no writes until every peer sent back what it holds." };
    private static readonly Option<string?> DashboardPort = new("--dashboard-port") { HelpName = "PORT", Description = "Serve the Concord console (/console) and the Orleans Dashboard (/dashboard) on this port." };
    private static readonly Option<string?> MetricsPort = new("--metrics-port") { HelpName = "PORT", Description = "Serve Prometheus metrics on this port." };
    private static readonly Option<string?> OtlpEndpoint = new("--otlp-endpoint") { HelpName = "URL", Description = "Export traces and metrics with OpenTelemetry's OTLP exporter to this collector (e.g. http://127.0.0.1:4317)." };
    private static readonly Option<string?> OtlpProtocol = new("--otlp-protocol") { HelpName = "grpc|http/protobuf", Description = "The OTLP protocol (default grpc; http/protobuf posts to URL/v1/traces and URL/v1/metrics)." };
    private static readonly Option<string[]> Entities = new("--entities") { HelpName = "NAME[,NAME]...", Description = "Entity types to host beyond the ledger and handles (known: venues)." };
    private static readonly Option<string[]> ClientCredential = new("--client-credential") { HelpName = "SECRET", Description = "A credential clients must present, as [reader:|writer:|operator:]SECRET (bare: operator); repeat for several (or CONCORD_CLIENT_CREDENTIALS)." };
    private static readonly Option<string?> ReplicationSecret = new("--replication-secret") { HelpName = "SECRET", Description = "Authenticates replication batches (or CONCORD_REPLICATION_SECRET)." };
    private static readonly Option<string?> SigningKey = new("--signing-key") { HelpName = "PEMFILE", Description = "This region's checkpoint signing key (PKCS#8)." };
    private static readonly Option<string[]> RegionKey = new("--region-key") { HelpName = "NAME=PEMFILE", Description = "A region's public key; repeat for every region." };
    private static readonly Option<string?> TlsCertificate = new("--tls-certificate") { HelpName = "PEMFILE", Description = "This region's TLS certificate, issued by --tls-ca; with --tls-key and --tls-ca, TLS on every hop." };
    private static readonly Option<string?> TlsKey = new("--tls-key") { HelpName = "PEMFILE", Description = "The private key of --tls-certificate." };
    private static readonly Option<string?> TlsCa = new("--tls-ca") { HelpName = "PEMFILE", Description = "The deployment's certificate authority: silos, peers and clients must present certificates it issued." };
    private static readonly Option<bool> Verbose = new("--verbose") { Description = "Logs at Information instead of Warning." };
    private static readonly Option<string?> MigrateConnection = new("--connection") { HelpName = "CONNSTRING", Description = "The database's PostgreSQL connection string (or CONCORD_CONNECTION)." };

    // Any of these describes one region; without them the process hosts the local three-region deployment.
    private static readonly Option[] RegionDefining =
        [Region, GatewayPort, SiloPort, Advertise, Peer, Storage, Connection, ProbeTimeout, FaultInjection, RecoverFromPeers, DashboardPort, MetricsPort, ClientCredential, ReplicationSecret, SigningKey, RegionKey, TlsCertificate, TlsKey, TlsCa];

    /// <summary>The region's TLS from its three files, all or none; a missing or bad file is a bad argument naming it.</summary>
    private static Grains.Interfaces.Security.DeploymentTls? TlsOf(string? certificate, string? key, string? authority)
    {
        if (certificate is null && key is null && authority is null)
        {
            return null;
        }

        if (certificate is null || key is null || authority is null)
        {
            throw new ArgumentException("--tls-certificate, --tls-key and --tls-ca go together: give all three.");
        }

        try
        {
            return Grains.Interfaces.Security.DeploymentTls.FromPemFiles(authority, certificate, key);
        }
        catch (Concord.Grains.Interfaces.Errors.ConcordConfigurationException ex)
        {
            throw new ArgumentException(ex.Message);
        }
    }

    /// <summary>The local default's dashboards: eu on 8080, us on 8081, ap on 8082.</summary>
    public const int LocalDashboardPort = 8080;

    /// <summary>The local default's Prometheus endpoint (all three regions).</summary>
    public const int LocalMetricsPort = 9464;

    /// <summary><c>CONCORD_CONNECTION</c>: keeps the database password out of process listings.</summary>
    public static string? ConnectionFromEnvironment =>
        Environment.GetEnvironmentVariable("CONCORD_CONNECTION") is { Length: > 0 } value ? value : null;

    /// <summary>
    /// Runs the command line: <paramref name="run"/> hosts the regions it describes, <paramref name="migrate"/> migrates
    /// a database; <c>--help</c> prints help. Returns the process's exit code.
    /// </summary>
    public static async Task<int> RunAsync(
        string[] args,
        TextWriter output,
        TextWriter error,
        Func<IReadOnlyList<RegionHostOptions>, bool, CancellationToken, Task<int>> run,
        Func<string, CancellationToken, Task<int>> migrate,
        CancellationToken cancellationToken = default)
    {
        var root = Build(run, migrate);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await error.WriteLineAsync($"error: {parsed.Errors[0].Message} (see --help)");
            return BadArguments;
        }

        try
        {
            // The silo handles SIGTERM and Ctrl+C itself, stopping every region within its own bound.
            return await parsed.InvokeAsync(
                new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
                cancellationToken);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message} (see --help)");
            return BadArguments;
        }
    }

    /// <summary>The regions to host: the local three-region deployment, or the single region the arguments describe.</summary>
    /// <exception cref="ArgumentException">An argument is unknown or malformed; the message names it.</exception>
    public static (IReadOnlyList<RegionHostOptions> Regions, bool Verbose) Parse(IReadOnlyList<string> args)
    {
        var parsed = Build((_, _, _) => Task.FromResult(0), (_, _) => Task.FromResult(0)).Parse([.. args]);
        return parsed.Errors.Count > 0 ? throw new ArgumentException(parsed.Errors[0].Message) : Read(parsed);
    }

    private static RootCommand Build(Func<IReadOnlyList<RegionHostOptions>, bool, CancellationToken, Task<int>> run, Func<string, CancellationToken, Task<int>> migrate)
    {
        var root = new RootCommand(
            "Concord's silo. With no region options it hosts three linked regions eu, us, ap in this process (gateways 30000-30002); " +
            "with any, one region linked to the peers given with --peer.");
        foreach (var option in RegionDefining.Append(Entities).Append(OtlpEndpoint).Append(OtlpProtocol).Append(Verbose))
        {
            root.Options.Add(option);
        }

        root.SetAction((parse, ct) =>
        {
            var (regions, verbose) = Read(parse);
            return run(regions, verbose, ct);
        });

        var migrateCommand = new Command("migrate", "Creates or upgrades a region's PostgreSQL schema; safe to run again.") { MigrateConnection };
        migrateCommand.SetAction((parse, ct) => migrate(ReadMigrate(parse), ct));
        root.Subcommands.Add(migrateCommand);
        return root;
    }

    private static (IReadOnlyList<RegionHostOptions> Regions, bool Verbose) Read(ParseResult parsed)
    {
        var entities = (parsed.GetValue(Entities) ?? [])
            .SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();

        // Credentials from the environment keep secrets out of process listings.
        var fromEnvironment = (Environment.GetEnvironmentVariable("CONCORD_CLIENT_CREDENTIALS") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var verbose = parsed.GetValue(Verbose);
        if (!RegionDefining.Any(o => parsed.GetResult(o) is { Implicit: false }))
        {
            var local = RegionHostOptions.LocalThreeRegions();

            // The local deployment shows itself: a dashboard per region, and one Prometheus endpoint for all three
            // (every region's instruments carry a region tag).
            for (var r = 0; r < local.Count; r++)
            {
                local[r].DashboardPort = LocalDashboardPort + r;
            }

            local[0].MetricsPort = LocalMetricsPort;

            // Listeners are process-wide: one exporter sends every region's spans and instruments (each tagged with
            // its region), as one Prometheus endpoint serves them.
            ReadTelemetry(parsed, local[0]);
            foreach (var region in local)
            {
                region.Entities.AddRange(entities);
                region.ClientCredentials.AddRange(fromEnvironment);
                region.Validate();
            }

            return (local, verbose);
        }

        var options = new RegionHostOptions();
        if (parsed.GetValue(Region) is { } name)
        {
            options.Region = name;
        }

        options.GatewayPort = PortOr(parsed, GatewayPort, options.GatewayPort);
        options.SiloPort = PortOr(parsed, SiloPort, options.SiloPort);
        options.DashboardPort = parsed.GetValue(DashboardPort) is { } dashboard ? Port("--dashboard-port", dashboard) : null;
        options.MetricsPort = parsed.GetValue(MetricsPort) is { } metrics ? Port("--metrics-port", metrics) : null;
        options.Storage = parsed.GetValue(Storage) ?? options.Storage;
        options.ConnectionString = parsed.GetValue(Connection);
        if (parsed.GetValue(ProbeTimeout) is { } probe)
        {
            options.ProbeTimeout = Seconds("--probe-timeout", probe);
        }

        if (parsed.GetValue(Advertise) is { } advertise)
        {
            options.AdvertisedAddress = IPAddress.TryParse(advertise, out var advertised)
                ? advertised
                : throw new ArgumentException($"--advertise '{advertise}' is not an IP address.");
        }

        foreach (var text in parsed.GetValue(Peer) ?? [])
        {
            var (peer, gateway) = PeerOf(text);
            if (!options.Peers.TryGetValue(peer, out var gateways))
            {
                options.Peers[peer] = gateways = [];
            }

            gateways.Add(gateway);
        }

        options.FaultInjection = parsed.GetValue(FaultInjection);
        options.RecoverFromPeers = parsed.GetValue(RecoverFromPeers);
        options.ClientCredentials.AddRange(parsed.GetValue(ClientCredential) ?? []);
        options.ReplicationSecret = parsed.GetValue(ReplicationSecret);
        if (parsed.GetValue(SigningKey) is { } signingKey)
        {
            options.SigningKeyPem = ReadPem("--signing-key", signingKey);
        }

        foreach (var text in parsed.GetValue(RegionKey) ?? [])
        {
            var (keyRegion, path) = NamedValueOf("--region-key", text);
            options.RegionPublicKeysPem[keyRegion] = ReadPem("--region-key", path);
        }

        options.Tls = TlsOf(parsed.GetValue(TlsCertificate), parsed.GetValue(TlsKey), parsed.GetValue(TlsCa));
        options.Entities.AddRange(entities);
        options.ClientCredentials.AddRange(fromEnvironment);
        ReadTelemetry(parsed, options);
        options.ReplicationSecret ??= Environment.GetEnvironmentVariable("CONCORD_REPLICATION_SECRET");
        if (options.Storage == StorageKinds.Postgres)
        {
            options.ConnectionString ??= ConnectionFromEnvironment;
        }

        options.Validate();
        return ([options], verbose);
    }

    /// <summary><c>--otlp-endpoint</c> and <c>--otlp-protocol</c>, which apply to every region the process hosts.</summary>
    private static void ReadTelemetry(ParseResult parsed, RegionHostOptions options)
    {
        if (parsed.GetValue(OtlpEndpoint) is { } endpoint)
        {
            options.OtlpEndpoint = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                ? uri
                : throw new ArgumentException($"--otlp-endpoint '{endpoint}' is not an http:// or https:// URL.");
        }

        if (parsed.GetValue(OtlpProtocol) is { } protocol)
        {
            options.OtlpProtocol = protocol;
        }
    }

    /// <summary><c>migrate --connection CONNSTRING</c>; the connection may also come from <c>CONCORD_CONNECTION</c>.</summary>
    private static string ReadMigrate(ParseResult parsed)
    {
        var connection = parsed.GetValue(MigrateConnection) ?? ConnectionFromEnvironment;
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new ArgumentException("migrate needs --connection \"Host=...;Database=...;Username=...\" (or CONCORD_CONNECTION).");
        }

        new RegionHostOptions { Storage = StorageKinds.Postgres, ConnectionString = connection }.Validate();
        return connection;
    }

    private static int PortOr(ParseResult parsed, Option<string?> option, int fallback) =>
        parsed.GetValue(option) is { } text ? Port(option.Name, text) : fallback;

    private static int Port(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? port
            : throw new ArgumentException($"{name} '{text}' is not a port number.");

    private static TimeSpan Seconds(string name, string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{name} '{text}' is not a number of seconds.");

    private static (string Name, string Value) NamedValueOf(string name, string text)
    {
        var equals = text.IndexOf('=');
        return equals > 0 && equals < text.Length - 1
            ? (text[..equals], text[(equals + 1)..])
            : throw new ArgumentException($"{name} '{text}' is not NAME=VALUE.");
    }

    private static string ReadPem(string option, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{option}: cannot read '{path}': {ex.Message}");
        }
    }

    private static (string Peer, IPEndPoint Gateway) PeerOf(string text)
    {
        var equals = text.IndexOf('=');
        var colon = text.LastIndexOf(':');
        if (equals <= 0 || colon <= equals
            || !IPAddress.TryParse(text[(equals + 1)..colon] is "localhost" ? "127.0.0.1" : text[(equals + 1)..colon], out var address)
            || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"--peer '{text}' is not NAME=HOST:PORT (HOST an IP address or localhost).");
        }

        return (text[..equals], new IPEndPoint(address, port));
    }
}
