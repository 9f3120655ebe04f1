using System.Net;
using Concord.Grains.Interfaces.Events;

namespace Concord.Silo.Hosting;

/// <summary>The storage kinds a region can run on.</summary>
public static class StorageKinds
{
    public const string Memory = "memory";
    public const string Postgres = "postgres";
}

/// <summary>How to run one region's silo in this process.</summary>
public sealed class RegionHostOptions
{
    /// <summary>The region id. Default <c>eu</c>.</summary>
    public string Region { get; set; } = "eu";

    /// <summary>The port clients connect to. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The port silos of the region talk to each other on. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// Where grain state, event logs, membership and reminders live: <c>memory</c> (the embedded default, lost on exit;
    /// one silo per region) or <c>postgres</c> (durable; several silos per region share the database). Default <c>memory</c>.
    /// </summary>
    public string Storage { get; set; } = StorageKinds.Memory;

    /// <summary>
    /// The address other silos of the region and clients reach this silo at. Default 127.0.0.1, which only works when
    /// every silo and client of the region runs on this machine.
    /// </summary>
    public IPAddress AdvertisedAddress { get; set; } = IPAddress.Loopback;

    /// <summary>The region's PostgreSQL connection string (Npgsql format); required with <c>postgres</c> storage. Default: none.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How long a silo waits for a probe answer before counting it missed; three missed probes declare a silo dead
    /// and its grains move. Default 5 seconds (the Orleans default). Lower it on a fast, quiet network only.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Every region of the deployment; home regions are computed over it. Default: just <see cref="Region"/>.</summary>
    public List<string> Regions { get; set; } = [];

    /// <summary>The Orleans service id shared by every region of one deployment. Default <c>concord</c>.</summary>
    public string ServiceId { get; set; } = "concord";

    /// <summary>Peer regions and their gateways. Default: none (a region on its own).</summary>
    public Dictionary<string, List<IPEndPoint>> Peers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Credentials clients must present; empty means open to any client. Peers' links present the first.</summary>
    public List<string> ClientCredentials { get; set; } = [];

    /// <summary>Secret shared by the deployment's regions to authenticate replication batches (HMAC-SHA256). Default: none.</summary>
    public string? ReplicationSecret { get; set; }

    /// <summary>This region's checkpoint signing key (PKCS#8 PEM). Default: none, so no checkpoints.</summary>
    public string? SigningKeyPem { get; set; }

    /// <summary>Every region's checkpoint public key (PEM), by region.</summary>
    public Dictionary<string, string> RegionPublicKeysPem { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Serve the Concord console at <c>http://ADDRESS:PORT/console</c> and the Orleans Dashboard at <c>/dashboard</c>. Default: off (the local default: 8080-8082).</summary>
    public int? DashboardPort { get; set; }

    /// <summary>
    /// TLS on every hop (silo to silo, clients at the gateway, links to peers): the deployment's authority and this
    /// region's certificate, from <c>--tls-certificate</c>, <c>--tls-key</c> and <c>--tls-ca</c>, or the local default's
    /// throwaway one. Default: none (plain TCP, said in the ready line).
    /// </summary>
    public Grains.Interfaces.Security.DeploymentTls? Tls { get; set; }

    /// <summary><c>https</c> for the console and dashboard when the region has its own certificate; <c>http</c> otherwise (the local default serves loopback only).</summary>
    public string WebScheme => Tls is { IsThrowaway: false, Certificate: not null } ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;

    /// <summary>Serve Prometheus metrics at <c>http://ADDRESS:PORT/metrics</c>. Default: off (the local default: 9464).</summary>
    public int? MetricsPort { get; set; }

    /// <summary>
    /// Export traces (the <c>Concord</c> source and Orleans' grain calls) and metrics to this OTLP collector. Default:
    /// off. docs/observability.md#traces.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = OtlpProtocols.Grpc;

    /// <summary>Allow link faults to be injected on command (<c>admin cut</c>, tests). Default false.</summary>
    public bool FaultInjection { get; set; }

    /// <summary>Take back what peers hold before taking writes (<see cref="Concord.Grains.Hosting.ConcordOptions.RecoverFromPeers"/>).</summary>
    public bool RecoverFromPeers { get; set; }

    /// <summary>Entity types to host beside the ledger and the handles (<c>--entities venues</c>). Default: none.</summary>
    public List<string> Entities { get; set; } = [];

    /// <summary>Every region of the deployment, sorted so that all regions compute the same home regions.</summary>
    public List<string> AllRegions => [.. Peers.Keys.Append(Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>The three-region deployment <c>dotnet run --project Silo</c> starts with no arguments.</summary>
    public static IReadOnlyList<RegionHostOptions> LocalThreeRegions()
    {
        (string Name, int Gateway, int Silo)[] regions = [("eu", 30000, 11111), ("us", 30001, 11112), ("ap", 30002, 11113)];
        RegionHostOptions[] deployment = [.. regions.Select(r => new RegionHostOptions
        {
            Region = r.Name,
            GatewayPort = r.Gateway,
            SiloPort = r.Silo,
            FaultInjection = true,
            Peers = regions.Where(p => p.Name != r.Name).ToDictionary(p => p.Name, p => new List<IPEndPoint> { new(IPAddress.Loopback, p.Gateway) }, StringComparer.Ordinal),
        })];
        ShareThrowawayKeys(deployment);

        // One throwaway authority and certificate for the three regions of the process: TLS on every hop, trusted by
        // clients on this machine through LocalDeploymentTrust.
        var tls = Grains.Interfaces.Security.DeploymentTls.CreateThrowaway([IPAddress.Loopback]);
        foreach (var region in deployment)
        {
            region.Tls = tls;
        }

        return deployment;
    }

    /// <summary>
    /// Gives regions hosted in one process a throwaway replication secret and signing keys (each region's own, and
    /// every region's public key), so that they authenticate every batch and sign checkpoints as a real deployment does.
    /// </summary>
    public static void ShareThrowawayKeys(IReadOnlyList<RegionHostOptions> regions)
    {
        ArgumentNullException.ThrowIfNull(regions);
        var secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var keys = regions.ToDictionary(r => r.Region, _ => System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256), StringComparer.Ordinal);
        var publicKeys = keys.ToDictionary(k => k.Key, k => k.Value.ExportSubjectPublicKeyInfoPem(), StringComparer.Ordinal);
        foreach (var region in regions)
        {
            region.ReplicationSecret = secret;
            region.SigningKeyPem = keys[region.Region].ExportPkcs8PrivateKeyPem();
            region.RegionPublicKeysPem = new(publicKeys, StringComparer.Ordinal);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> with a message for people when an option is wrong.</summary>
    public void Validate()
    {
        if (!EntityKeys.IsValidKey(Region))
        {
            throw new ArgumentException($"--region '{Region}' is not a valid region id (1-{EntityKeys.MaxLength} characters of A-Z a-z 0-9 . _ -).");
        }

        RequirePort(GatewayPort, "--gateway-port");
        RequirePort(SiloPort, "--silo-port");
        (string Name, int? Port)[] ports = [("--gateway-port", GatewayPort), ("--silo-port", SiloPort), ("--dashboard-port", DashboardPort), ("--metrics-port", MetricsPort)];
        foreach (var (name, port) in ports.Where(p => p.Port is not null))
        {
            RequirePort(port!.Value, name);
            if (ports.FirstOrDefault(other => other.Name != name && other.Port == port) is { Name: { } clash })
            {
                throw new ArgumentException($"{name} and {clash} are both {port}; they must differ.");
            }
        }

        if (OtlpProtocol is not (OtlpProtocols.Grpc or OtlpProtocols.HttpProtobuf))
        {
            throw new ArgumentException($"--otlp-protocol '{OtlpProtocol}' is not {OtlpProtocols.Grpc} or {OtlpProtocols.HttpProtobuf}.");
        }

        if (OtlpEndpoint is { } otlp && (!otlp.IsAbsoluteUri || (otlp.Scheme != Uri.UriSchemeHttp && otlp.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"--otlp-endpoint '{otlp}' is not an http:// or https:// URL.");
        }

        foreach (var (peer, gateways) in Peers)
        {
            if (!EntityKeys.IsValidKey(peer) || string.Equals(peer, Region, StringComparison.Ordinal))
            {
                throw new ArgumentException($"--peer '{peer}' is not a valid region id other than this region's.");
            }

            if (gateways.Count == 0)
            {
                throw new ArgumentException($"--peer '{peer}' has no gateway.");
            }
        }

        if (Entities.FirstOrDefault(e => !EntityModules.IsKnown(e)) is { } unknown)
        {
            throw new ArgumentException($"--entities '{unknown}' is not an entity type this silo can host (known: {string.Join(", ", EntityModules.Names)}).");
        }

        if (ClientCredentials.Any(c => Grains.Interfaces.Events.ClientCredentialRoles.Parse(c).Secret.Length < Grains.Interfaces.Events.ClientCredentials.MinLength))
        {
            throw new ArgumentException($"--client-credential values need at least {Grains.Interfaces.Events.ClientCredentials.MinLength} characters after their role (reader:, writer: or operator:) if they name one.");
        }

        if (ReplicationSecret is { Length: < 32 })
        {
            throw new ArgumentException("--replication-secret needs at least 32 characters.");
        }

        foreach (var (name, pem) in RegionPublicKeysPem.Prepend(new("this region", SigningKeyPem ?? string.Empty)))
        {
            if (pem.Length == 0 && name == "this region")
            {
                continue;
            }

            try
            {
                using var key = System.Security.Cryptography.ECDsa.Create();
                key.ImportFromPem(pem);
            }
            catch (Exception ex) when (ex is ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                throw new ArgumentException($"The key for {name} is not an ECDSA PEM key: {ex.Message}");
            }
        }

        switch (Storage)
        {
            case StorageKinds.Memory when ConnectionString is not null:
                throw new ArgumentException("--connection is only used with --storage postgres.");
            case StorageKinds.Memory:
                break;
            case StorageKinds.Postgres when string.IsNullOrWhiteSpace(ConnectionString):
                throw new ArgumentException("--storage postgres needs --connection \"Host=...;Database=...;Username=...\" (or CONCORD_CONNECTION).");
            case StorageKinds.Postgres:
                try
                {
                    _ = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
                }
                catch (ArgumentException ex)
                {
                    throw new ArgumentException($"--connection is not a valid PostgreSQL connection string: {ex.Message}");
                }

                break;
            default:
                throw new ArgumentException($"--storage '{Storage}' is not a storage kind; use '{StorageKinds.Memory}' or '{StorageKinds.Postgres}'.");
        }

        if (ProbeTimeout <= TimeSpan.Zero || ProbeTimeout > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException($"--probe-timeout {ProbeTimeout.TotalSeconds} s is out of range (above 0, at most 60 s).");
        }
    }

    private static void RequirePort(int port, string name)
    {
        if (port is < 1 or > 65535)
        {
            throw new ArgumentException($"{name} {port} is not a TCP port (1-65535).");
        }
    }
}

/// <summary>The OTLP protocols <see cref="RegionHostOptions.OtlpProtocol"/> takes.</summary>
public static class OtlpProtocols
{
    public const string Grpc = "grpc";
    public const string HttpProtobuf = "http/protobuf";
}
