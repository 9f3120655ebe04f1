using System.Globalization;
using System.Net;

namespace Concord.Silo.Hosting;

/// <summary>Parses the silo's command line. Unknown or malformed arguments are errors, never ignored.</summary>
public static class SiloCommandLine
{
    public const string Usage =
        "usage: dotnet run --project Silo -- [--region ID] [--gateway-port PORT] [--silo-port PORT] [--advertise IP] [--peer NAME=HOST:PORT]...\n" +
        "         [--storage memory|postgres] [--connection CONNSTRING] [--probe-timeout SECONDS] [--fault-injection]\n" +
        "         [--dashboard-port PORT] [--metrics-port PORT] [--entities NAME[,NAME]...]\n" +
        "         [--client-credential SECRET]... [--replication-secret SECRET] [--signing-key PEMFILE] [--region-key NAME=PEMFILE]... [--verbose]\n" +
        "       dotnet run --project Silo -- migrate --connection CONNSTRING\n" +
        "       with no region options, three linked regions eu, us, ap start in this process (gateways 30000-30002).";

    /// <summary>The regions to host: the local three-region deployment, or the single region the arguments describe.</summary>
    public static (IReadOnlyList<RegionHostOptions> Regions, bool Verbose) Parse(IReadOnlyList<string> args)
    {
        var options = new RegionHostOptions();
        var verbose = false;
        var single = false;
        var entities = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--region":
                    options.Region = ValueOf(args, ref i);
                    break;
                case "--gateway-port":
                    options.GatewayPort = PortOf(args, ref i);
                    break;
                case "--silo-port":
                    options.SiloPort = PortOf(args, ref i);
                    break;
                case "--storage":
                    options.Storage = ValueOf(args, ref i);
                    break;
                case "--connection":
                    options.ConnectionString = ValueOf(args, ref i);
                    break;
                case "--dashboard-port":
                    options.DashboardPort = PortOf(args, ref i);
                    break;
                case "--metrics-port":
                    options.MetricsPort = PortOf(args, ref i);
                    break;
                case "--probe-timeout":
                    options.ProbeTimeout = SecondsOf(args, ref i);
                    break;
                case "--advertise":
                    var text = ValueOf(args, ref i);
                    options.AdvertisedAddress = IPAddress.TryParse(text, out var advertised)
                        ? advertised
                        : throw new ArgumentException($"--advertise '{text}' is not an IP address.");
                    break;
                case "--peer":
                    var (peer, gateway) = PeerOf(args, ref i);
                    if (!options.Peers.TryGetValue(peer, out var gateways))
                    {
                        options.Peers[peer] = gateways = [];
                    }

                    gateways.Add(gateway);
                    break;
                case "--fault-injection":
                    options.FaultInjection = true;
                    break;
                case "--client-credential":
                    options.ClientCredentials.Add(ValueOf(args, ref i));
                    break;
                case "--replication-secret":
                    options.ReplicationSecret = ValueOf(args, ref i);
                    break;
                case "--signing-key":
                    options.SigningKeyPem = ReadPem(args[i], ValueOf(args, ref i));
                    break;
                case "--region-key":
                    var (keyRegion, path) = NamedValueOf(args, ref i);
                    options.RegionPublicKeysPem[keyRegion] = ReadPem(args[i - 1], path);
                    break;
                case "--verbose":
                    verbose = true;
                    continue;
                case "--entities":
                    // Like --verbose, it does not turn the local default into a single region.
                    entities.AddRange(ValueOf(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    continue;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'.");
            }

            single = true;
        }

        // Credentials from the environment keep secrets out of process listings.
        var fromEnvironment = (Environment.GetEnvironmentVariable("CONCORD_CLIENT_CREDENTIALS") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!single)
        {
            var local = RegionHostOptions.LocalThreeRegions();

            // The local deployment shows itself: a dashboard per region, and one Prometheus endpoint for all three
            // (every region's instruments carry a region tag).
            for (var r = 0; r < local.Count; r++)
            {
                local[r].DashboardPort = LocalDashboardPort + r;
            }

            local[0].MetricsPort = LocalMetricsPort;
            foreach (var region in local)
            {
                region.Entities.AddRange(entities);
                region.ClientCredentials.AddRange(fromEnvironment);
                region.Validate();
            }

            return (local, verbose);
        }

        options.Entities.AddRange(entities);
        options.ClientCredentials.AddRange(fromEnvironment);
        options.ReplicationSecret ??= Environment.GetEnvironmentVariable("CONCORD_REPLICATION_SECRET");
        if (options.Storage == StorageKinds.Postgres)
        {
            options.ConnectionString ??= ConnectionFromEnvironment;
        }

        options.Validate();
        return ([options], verbose);
    }

    /// <summary>The local default's dashboards: eu on 8080, us on 8081, ap on 8082.</summary>
    public const int LocalDashboardPort = 8080;

    /// <summary>The local default's Prometheus endpoint (all three regions).</summary>
    public const int LocalMetricsPort = 9464;

    /// <summary><c>CONCORD_CONNECTION</c>: keeps the database password out of process listings.</summary>
    public static string? ConnectionFromEnvironment =>
        Environment.GetEnvironmentVariable("CONCORD_CONNECTION") is { Length: > 0 } value ? value : null;

    /// <summary>Parses <c>migrate --connection CONNSTRING</c> (the connection may also come from <c>CONCORD_CONNECTION</c>).</summary>
    public static string ParseMigrate(IReadOnlyList<string> args)
    {
        string? connection = null;
        for (var i = 1; i < args.Count; i++)
        {
            connection = args[i] == "--connection"
                ? ValueOf(args, ref i)
                : throw new ArgumentException($"unknown migrate argument '{args[i]}'.");
        }

        connection ??= ConnectionFromEnvironment;
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new ArgumentException("migrate needs --connection \"Host=...;Database=...;Username=...\" (or CONCORD_CONNECTION).");
        }

        var options = new RegionHostOptions { Storage = StorageKinds.Postgres, ConnectionString = connection };
        options.Validate();
        return connection;
    }

    private static TimeSpan SecondsOf(IReadOnlyList<string> args, ref int i)
    {
        var name = args[i];
        var text = ValueOf(args, ref i);
        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{name} '{text}' is not a number of seconds.");
    }

    private static (string Name, string Value) NamedValueOf(IReadOnlyList<string> args, ref int i)
    {
        var name = args[i];
        var text = ValueOf(args, ref i);
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

    private static (string Peer, IPEndPoint Gateway) PeerOf(IReadOnlyList<string> args, ref int i)
    {
        var text = ValueOf(args, ref i);
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

    private static string ValueOf(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{args[i]} needs a value.");
        }

        return args[++i];
    }

    private static int PortOf(IReadOnlyList<string> args, ref int i)
    {
        var name = args[i];
        var text = ValueOf(args, ref i);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? port
            : throw new ArgumentException($"{name} '{text}' is not a port number.");
    }
}
