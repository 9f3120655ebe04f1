using Concord.Client.Sdk;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="ConcordClient"/> for dependency injection.</summary>
public static class ConcordClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="ConcordClient"/> configured by <paramref name="configure"/>. It connects on
    /// first use. Options are validated when the client is first resolved. Safe to call twice: the first wins.
    /// </summary>
    public static IServiceCollection AddConcordClient(this IServiceCollection services, Action<ConcordClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        if (services.Any(d => d.ServiceType == typeof(ConcordClient)))
        {
            return services;
        }

        services.AddSingleton(_ =>
        {
            var options = new ConcordClientOptions();
            configure(options);
            return new ConcordClient(options);
        });
        return services;
    }

    /// <summary>
    /// Adds a singleton <see cref="ConcordClient"/> from a connection string such as
    /// <c>Region=eu;Gateways=127.0.0.1:30000;Credential=...</c>, read and validated now: a bad value throws here,
    /// naming it. Safe to call twice: the first wins.
    /// </summary>
    public static IServiceCollection AddConcordClient(this IServiceCollection services, string connectionString)
    {
        var parsed = ConcordClientSettings.FromConnectionString(connectionString);
        return services.AddConcordClient(options => Copy(parsed, options));
    }

    /// <summary>
    /// Adds a singleton <see cref="ConcordClient"/> from a configuration section (for example
    /// <c>configuration.GetSection("Concord")</c>), read and validated now: a bad value throws here, naming it.
    /// </summary>
    public static IServiceCollection AddConcordClient(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration section)
    {
        var parsed = ConcordClientSettings.FromConfiguration(section);
        return services.AddConcordClient(options => Copy(parsed, options));
    }

    private static void Copy(ConcordClientOptions from, ConcordClientOptions to)
    {
        to.Region = from.Region;
        to.Gateways = [.. from.Gateways];
        to.FailoverRegions = [.. from.FailoverRegions];
        to.FailoverGateways = from.FailoverGateways.ToDictionary(g => g.Key, g => g.Value.ToList(), StringComparer.Ordinal);
        to.ServiceId = from.ServiceId;
        to.Credential = from.Credential;
        to.ConnectTimeout = from.ConnectTimeout;
        to.CallTimeout = from.CallTimeout;
        to.MaxAttempts = from.MaxAttempts;
    }
}
