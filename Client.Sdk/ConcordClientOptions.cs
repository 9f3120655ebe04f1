using System.Net;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Security;

namespace Concord.Client.Sdk;

/// <summary>Where and how <see cref="ConcordClient"/> connects. Checked by <see cref="Validate"/> before connecting.</summary>
public sealed class ConcordClientOptions
{
    /// <summary>Gateway port of each region in the local multi-region default.</summary>
    public static IReadOnlyDictionary<string, int> LocalRegionPorts { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["eu"] = 30000,
        ["us"] = 30001,
        ["ap"] = 30002,
    };

    /// <summary>The region to connect to. Default <c>eu</c>.</summary>
    public string Region { get; set; } = "eu";

    /// <summary>The region's gateways. Default: the local gateway of <see cref="Region"/> on 127.0.0.1.</summary>
    public List<IPEndPoint> Gateways { get; set; } = [];

    /// <summary>
    /// Regions to fail over to, in order, when <see cref="Region"/> cannot be reached. Each gets its local
    /// default gateway unless listed in <see cref="FailoverGateways"/>. Default: none.
    /// </summary>
    public List<string> FailoverRegions { get; set; } = [];

    /// <summary>Gateways of failover regions, by region. Default: empty (local defaults).</summary>
    public Dictionary<string, List<IPEndPoint>> FailoverGateways { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The deployment's Orleans service id. Default <c>concord</c>.</summary>
    public string ServiceId { get; set; } = "concord";

    /// <summary>The credential to present to regions that require one. Default: none.</summary>
    public string? Credential { get; set; }

    /// <summary>How long connecting may take before <see cref="RegionUnavailableException"/>. Default 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one call may take before it counts as failed. Default 10 seconds.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per operation when the failure is transient; retries reuse the request id. Default 3.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Keeps a causal session (default true): every call on an entity carries what this client already wrote or read
    /// of it, and the answering region applies that first (read-your-writes and monotonic reads, in every region and
    /// across failover) or refuses with <c>SessionNotCaughtUpException</c>. Turn it off for writers that never read.
    /// </summary>
    public bool UseSession { get; set; } = true;

    /// <summary>A session to resume: another client's <see cref="IConcordClient.SessionToken"/>. Default none.</summary>
    public string? SessionToken { get; set; }

    /// <summary>
    /// The first retry's median delay; each later one doubles it, and jitter spreads every delay so that clients
    /// that failed together do not retry together. Default 200 ms.
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The deployment's certificate authority (a PEM file): connect with TLS and trust gateways whose certificates it
    /// issued, and nothing else. Default: none, which connects with TLS to the local default (its authority is found
    /// on this machine, docs/security.md) and in plain TCP to anything else.
    /// </summary>
    public string? TlsAuthorityFile { get; set; }

    /// <summary>This client's own certificate (PEM), issued by the authority, for regions that want to see one. Needs <see cref="TlsKeyFile"/>.</summary>
    public string? TlsCertificateFile { get; set; }

    /// <summary>The private key of <see cref="TlsCertificateFile"/> (PEM).</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>The gateways to use: <see cref="Gateways"/>, or the local default of <see cref="Region"/>.</summary>
    public IReadOnlyList<IPEndPoint> EffectiveGateways =>
        Gateways.Count > 0 ? Gateways
        : LocalRegionPorts.TryGetValue(Region, out var port) ? [new IPEndPoint(IPAddress.Loopback, port)]
        : [];

    /// <summary>Every region the client may use, in order of preference, with its gateways.</summary>
    public IReadOnlyList<(string Region, IReadOnlyList<IPEndPoint> Gateways)> RegionsInOrder =>
        [(Region, EffectiveGateways), .. FailoverRegions.Select(r => (r, GatewaysOf(r)))];

    public void Validate()
    {
        foreach (var region in FailoverRegions.Prepend(Region))
        {
            if (!EntityKeys.IsValidKey(region))
            {
                throw new ConcordConfigurationException($"Region '{region}' is not a valid region id.");
            }
        }

        foreach (var (region, gateways) in RegionsInOrder)
        {
            if (gateways.Count == 0)
            {
                throw new ConcordConfigurationException($"Region '{region}' has no default local gateway; give its gateways (HOST:PORT).");
            }
        }

        if (FailoverRegions.Prepend(Region).Distinct(StringComparer.Ordinal).Count() != FailoverRegions.Count + 1)
        {
            throw new ConcordConfigurationException("A region appears twice among Region and FailoverRegions.");
        }

        if (ConnectTimeout <= TimeSpan.Zero || CallTimeout <= TimeSpan.Zero)
        {
            throw new ConcordConfigurationException("ConnectTimeout and CallTimeout must be positive.");
        }

        if (MaxAttempts < 1)
        {
            throw new ConcordConfigurationException($"MaxAttempts must be at least 1, not {MaxAttempts}.");
        }

        if (SessionToken is not null)
        {
            try
            {
                SessionTokens.Parse(SessionToken, ServiceId);
            }
            catch (InvalidRequestException ex)
            {
                throw new ConcordConfigurationException($"SessionToken: {ex.Message}");
            }
        }

        if (RetryDelay <= TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
        {
            throw new ConcordConfigurationException($"RetryDelay must be above 0 and at most a minute, not {RetryDelay}.");
        }

        if (TlsAuthorityFile is null && (TlsCertificateFile ?? TlsKeyFile) is not null)
        {
            throw new ConcordConfigurationException("TlsCertificateFile and TlsKeyFile need TlsAuthorityFile, the authority that issued them.");
        }

        // Reads the files now, so that a missing or bad one fails here, naming it.
        _ = ConfiguredTls();
    }

    /// <summary>The TLS these options name, or null when they name none (read once; the files are checked by <see cref="Validate"/>).</summary>
    internal DeploymentTls? ConfiguredTls() => TlsAuthorityFile is null ? null
        : _tls ??= DeploymentTls.FromPemFiles(TlsAuthorityFile, TlsCertificateFile, TlsKeyFile);

    /// <summary>TLS to <paramref name="gateways"/>: the configured authority, else the local default's when it serves them, else none.</summary>
    internal DeploymentTls? TlsFor(IReadOnlyList<IPEndPoint> gateways) => ConfiguredTls() ?? LocalDeploymentTrust.For(gateways);

    private DeploymentTls? _tls;

    private IReadOnlyList<IPEndPoint> GatewaysOf(string region) =>
        FailoverGateways.TryGetValue(region, out var gateways) && gateways.Count > 0 ? gateways
        : LocalRegionPorts.TryGetValue(region, out var port) ? [new IPEndPoint(IPAddress.Loopback, port)]
        : [];

    /// <summary>Parses <c>HOST:PORT</c> (an IP address or <c>localhost</c>).</summary>
    public static IPEndPoint ParseGateway(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
        {
            throw new ConcordConfigurationException($"Gateway '{text}' is not HOST:PORT.");
        }

        var host = text[..colon];
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address)
            ? new IPEndPoint(address, port)
            : throw new ConcordConfigurationException($"Gateway host '{host}' is not an IP address or localhost.");
    }
}
