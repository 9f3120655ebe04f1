using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Concord.Grains.Interfaces.Replication;

/// <summary>
/// Builds the Orleans client host that reaches one region's cluster through its gateways. The one place that knows
/// how: the SDK's connections, a silo's links to its peer regions and the bench all use it.
/// </summary>
public static class RegionClientHost
{
    /// <summary>An unstarted host whose <c>IClusterClient</c> talks to <paramref name="region"/>; start it within a deadline.</summary>
    public static IHost Create(string region, IEnumerable<IPEndPoint> gateways, string serviceId, RegionClientHostSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        var endpoints = gateways?.ToArray() ?? throw new ArgumentNullException(nameof(gateways));
        if (endpoints.Length == 0)
        {
            throw new ArgumentException($"Region '{region}' needs at least one gateway.", nameof(gateways));
        }

        settings ??= new RegionClientHostSettings();

        // Set once a gateway's certificate is refused: retrying the connection would only be refused again.
        var untrusted = false;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (settings.LoggerFactory is { } loggerFactory)
        {
            // The application's logging, Orleans' own lines included; an instance given to the container is never disposed by it.
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(endpoints);

            // The application's trace continues into the region's grains (docs/observability.md#traces).
            client.AddActivityPropagation();
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = RegionClusters.ClusterIdOf(region);
                cluster.ServiceId = serviceId;
            });
            if (settings.ResponseTimeout is { } responseTimeout)
            {
                client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = responseTimeout);
            }

            if (settings.Tls is { } tls)
            {
                // TLS to the gateways: their certificates must chain to the deployment's authority; this side presents
                // its own when it has one (a region's link always does).
                client.UseTls(options =>
                {
                    options.LocalCertificate = tls.Certificate;
                    options.ClientCertificateMode = tls.Certificate is null ? RemoteCertificateMode.NoCertificate : RemoteCertificateMode.AllowCertificate;
                    options.RemoteCertificateValidation = (certificate, _, _) =>
                    {
                        if (tls.Trusts(certificate, out var problem))
                        {
                            return true;
                        }

                        untrusted = true;
                        settings.OnUntrustedGateway?.Invoke(problem);
                        return false;
                    };
                });
            }

            if (settings.ConnectRetryDelay is { } delay)
            {
                // Keep retrying the first connection until the caller's deadline cancels it: a region still starting is
                // reachable a moment later, and one that is down fails at the deadline instead of hanging.
                client.UseConnectionRetryFilter(async (_, ct) =>
                {
                    if (untrusted)
                    {
                        return false;
                    }

                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    return true;
                });
            }
        });
        return builder.Build();
    }
}

/// <summary>How a <see cref="RegionClientHost"/> client behaves; every setting has Orleans' default when left null.</summary>
public sealed class RegionClientHostSettings
{
    /// <summary>How long a call waits for its answer (Orleans' <c>ClientMessagingOptions.ResponseTimeout</c>).</summary>
    public TimeSpan? ResponseTimeout { get; init; }

    /// <summary>When set, a failed first connection is retried after this delay until the start's deadline.</summary>
    public TimeSpan? ConnectRetryDelay { get; init; }

    /// <summary>The application's logging, which Orleans' client logs into too; when null, the host logs nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>TLS to the gateways, trusting only the deployment's authority; null connects in plain TCP.</summary>
    public Security.DeploymentTls? Tls { get; init; }

    /// <summary>Hears why a gateway's certificate was refused (it does not chain to the deployment's authority).</summary>
    public Action<string>? OnUntrustedGateway { get; init; }
}
