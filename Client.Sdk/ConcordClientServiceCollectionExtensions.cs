using Concord.Client.Sdk;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Concord client (<see cref="IConcordClient"/>) for dependency injection.</summary>
public static class ConcordClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="IConcordClient"/> configured by <paramref name="configure"/>. It connects on
    /// first use. Options are validated when the client is first resolved. Safe to call twice: the first wins.
    /// </summary>
    public static IServiceCollection AddConcordClient(this IServiceCollection services, Action<ConcordClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddConcordClient(() =>
        {
            var options = new ConcordClientOptions();
            configure(options);
            return options;
        });
    }

    /// <summary>
    /// Adds a singleton <see cref="IConcordClient"/> from a connection string such as
    /// <c>Region=eu;Gateways=127.0.0.1:30000;Credential=...</c>, read and validated now: a bad value throws here,
    /// naming it. Safe to call twice: the first wins.
    /// </summary>
    public static IServiceCollection AddConcordClient(this IServiceCollection services, string connectionString)
    {
        var parsed = ConcordClientSettings.FromConnectionString(connectionString);
        return services.AddConcordClient(() => parsed);
    }

    /// <summary>
    /// Adds a singleton <see cref="IConcordClient"/> from a configuration section (for example
    /// <c>configuration.GetSection("Concord")</c>), read and validated now: a bad value throws here, naming it.
    /// </summary>
    public static IServiceCollection AddConcordClient(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration section)
    {
        var parsed = ConcordClientSettings.FromConfiguration(section);
        return services.AddConcordClient(() => parsed);
    }

    private static IServiceCollection AddConcordClient(this IServiceCollection services, Func<ConcordClientOptions> options)
    {
        if (!services.Any(d => d.ServiceType == typeof(ConcordClient)))
        {
            // The application's logging, when it has any.
            services.AddSingleton(sp => new ConcordClient(options(), sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()));
            services.AddSingleton<IConcordClient>(sp => sp.GetRequiredService<ConcordClient>());
        }

        return services;
    }
}
