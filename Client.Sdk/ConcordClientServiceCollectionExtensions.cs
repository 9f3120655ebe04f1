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
}
