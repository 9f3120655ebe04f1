using Concord.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Concord.Silo.Hosting;

/// <summary>Builds the host of one region's silo. Several can run in one process, each its own cluster.</summary>
public static class RegionHost
{
    public static IHost Create(RegionHostOptions options, LogLevel logLevel = LogLevel.Warning)
    {
        options.Validate();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(logLevel);

        // The process owns shutdown (SIGTERM, Ctrl+C) for every region it hosts.
        builder.Services.AddSingleton<IHostLifetime, ProcessOwnedLifetime>();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(
                siloPort: options.SiloPort,
                gatewayPort: options.GatewayPort,
                serviceId: options.ServiceId,
                clusterId: RegionHostOptions.ClusterIdOf(options.Region));
            silo.AddMemoryGrainStorage(ConcordStorage.Name);
            silo.AddConcord(concord =>
            {
                concord.Region = options.Region;
                concord.Regions = [.. options.Regions];
            });
        });
        return builder.Build();
    }

    private sealed class ProcessOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
