using System.Globalization;
using Concord.Grains.Interfaces.Errors;
using Microsoft.Extensions.Configuration;

namespace Concord.Client.Sdk;

/// <summary>
/// Reads <see cref="ConcordClientOptions"/> from one connection string or from a configuration section. Every key
/// is checked: an unknown or repeated key, or a value that cannot work, is a <see cref="ConcordConfigurationException"/>
/// naming it, and nothing is connected.
/// </summary>
public static class ConcordClientSettings
{
    private static readonly string[] Keys = ["Region", "Gateways", "FailoverRegions", "FailoverGateways", "ServiceId", "Credential", "ConnectTimeout", "CallTimeout", "MaxAttempts", "RetryDelay", "UseSession", "TlsAuthorityFile", "TlsCertificateFile", "TlsKeyFile"];

    /// <summary>
    /// Parses <c>Region=eu;Gateways=127.0.0.1:30000,127.0.0.1:30001;Credential=...</c>. Keys are those of
    /// <see cref="ConcordClientOptions"/>, in any case; lists are comma-separated, timeouts are seconds, and
    /// <c>FailoverGateways</c> is <c>us=HOST:PORT|HOST:PORT,ap=HOST:PORT</c>.
    /// </summary>
    public static ConcordClientOptions FromConnectionString(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ConcordConfigurationException("The Concord connection string is empty; it needs at least Region=...");
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                throw new ConcordConfigurationException($"Concord connection string: '{part}' is not KEY=VALUE.");
            }

            var key = Known(part[..equals].Trim(), "connection string");
            if (!values.TryAdd(key, part[(equals + 1)..].Trim()))
            {
                throw new ConcordConfigurationException($"Concord connection string: {key} is given twice.");
            }
        }

        var options = new ConcordClientOptions();
        foreach (var (key, value) in values)
        {
            Apply(options, key, value, ListOf(value), "connection string");
        }

        options.Validate();
        return options;
    }

    /// <summary>
    /// Reads a configuration section such as <c>"Concord": { "Region": "eu", "Gateways": ["127.0.0.1:30000"] }</c>.
    /// Lists are arrays (or comma-separated strings), timeouts are seconds or <c>hh:mm:ss</c>, and
    /// <c>FailoverGateways</c> is an object of region to gateway array.
    /// </summary>
    public static ConcordClientOptions FromConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = new ConcordClientOptions();
        foreach (var child in section.GetChildren())
        {
            var key = Known(child.Key, "configuration");
            if (key == "FailoverGateways")
            {
                foreach (var region in child.GetChildren())
                {
                    options.FailoverGateways[region.Key] = [.. ValuesOf(region).Select(Gateway)];
                }

                continue;
            }

            Apply(options, key, child.Value ?? string.Join(',', ValuesOf(child)), ValuesOf(child), "configuration");
        }

        options.Validate();
        return options;
    }

    private static void Apply(ConcordClientOptions options, string key, string value, IReadOnlyList<string> list, string source)
    {
        switch (key)
        {
            case "Region":
                options.Region = value;
                break;
            case "Gateways":
                options.Gateways = [.. list.Select(Gateway)];
                break;
            case "FailoverRegions":
                options.FailoverRegions = [.. list];
                break;
            case "FailoverGateways":
                foreach (var entry in list)
                {
                    var equals = entry.IndexOf('=');
                    if (equals <= 0)
                    {
                        throw new ConcordConfigurationException($"Concord {source}: FailoverGateways entry '{entry}' is not REGION=HOST:PORT|HOST:PORT.");
                    }

                    options.FailoverGateways[entry[..equals]] = [.. entry[(equals + 1)..].Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Gateway)];
                }

                break;
            case "ServiceId":
                options.ServiceId = string.IsNullOrWhiteSpace(value) ? throw new ConcordConfigurationException($"Concord {source}: ServiceId is empty.") : value;
                break;
            case "Credential":
                options.Credential = string.IsNullOrWhiteSpace(value) ? throw new ConcordConfigurationException($"Concord {source}: Credential is empty.") : value;
                break;
            case "TlsAuthorityFile":
                options.TlsAuthorityFile = Path(key, value, source);
                break;
            case "TlsCertificateFile":
                options.TlsCertificateFile = Path(key, value, source);
                break;
            case "TlsKeyFile":
                options.TlsKeyFile = Path(key, value, source);
                break;
            case "ConnectTimeout":
                options.ConnectTimeout = Duration(key, value, source);
                break;
            case "CallTimeout":
                options.CallTimeout = Duration(key, value, source);
                break;
            case "RetryDelay":
                options.RetryDelay = Duration(key, value, source);
                break;
            case "UseSession":
                options.UseSession = bool.TryParse(value, out var useSession)
                    ? useSession
                    : throw new ConcordConfigurationException($"Concord {source}: UseSession '{value}' is not true or false.");
                break;
            case "MaxAttempts":
                options.MaxAttempts = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var attempts) && attempts is >= 1 and <= 100
                    ? attempts
                    : throw new ConcordConfigurationException($"Concord {source}: MaxAttempts '{value}' is not a whole number from 1 to 100.");
                break;
        }
    }

    private static string Path(string key, string value, string source) =>
        string.IsNullOrWhiteSpace(value) ? throw new ConcordConfigurationException($"Concord {source}: {key} is empty.") : value;

    private static string Known(string key, string source) =>
        Keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
        ?? throw new ConcordConfigurationException($"Concord {source}: unknown key '{key}' (known: {string.Join(", ", Keys)}).");

    private static TimeSpan Duration(string key, string value, string source)
    {
        if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 3600)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero && span <= TimeSpan.FromHours(1)
            ? span
            : throw new ConcordConfigurationException($"Concord {source}: {key} '{value}' is not a duration (seconds, or hh:mm:ss) above 0 and at most an hour.");
    }

    private static System.Net.IPEndPoint Gateway(string text) => ConcordClientOptions.ParseGateway(text);

    private static List<string> ListOf(string value) => [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>A configuration value as a list: the array's items, or a comma-separated string's parts.</summary>
    private static List<string> ValuesOf(IConfigurationSection section) =>
        section.Value is { } single ? ListOf(single) : [.. section.GetChildren().Select(c => c.Value ?? string.Empty).Where(v => v.Length > 0)];
}
