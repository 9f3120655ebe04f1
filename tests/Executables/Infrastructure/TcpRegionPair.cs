using System.Net;
using Concord.Silo.Hosting;
using Microsoft.Extensions.Hosting;

namespace Concord.Tests.Infrastructure;

/// <summary>Two regions, <c>eu</c> and <c>us</c>, as real silos over loopback TCP, linked by the production link.</summary>
public sealed class TcpRegionPair : IAsyncDisposable
{
    private readonly int[] _ports = FreePorts.Take(4);
    private readonly Dictionary<string, IHost> _hosts = new(StringComparer.Ordinal);

    private TcpRegionPair()
    {
    }

    /// <summary>Starts both regions; <paramref name="configure"/> adds to each region's options, <paramref name="configureSilo"/> to each silo.</summary>
    public static async Task<TcpRegionPair> StartAsync(Action<RegionHostOptions>? configure = null, Action<ISiloBuilder>? configureSilo = null)
    {
        var pair = new TcpRegionPair();
        try
        {
            foreach (var (region, peer) in new[] { ("eu", "us"), ("us", "eu") })
            {
                var options = new RegionHostOptions { Region = region, GatewayPort = pair.PortOf(region), SiloPort = pair.PortOf(region, silo: true), Peers = new() { [peer] = [pair.Gateway(peer)] } };
                configure?.Invoke(options);
                pair._hosts[region] = RegionHost.Create(options, configureSilo: configureSilo);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            foreach (var host in pair._hosts.Values)
            {
                await host.StartAsync(timeout.Token);
            }

            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    public IPEndPoint Gateway(string region) => new(IPAddress.Loopback, PortOf(region));

    /// <summary>The region's gateway as the CLI takes it, <c>127.0.0.1:PORT</c>.</summary>
    public string GatewayText(string region) => $"127.0.0.1:{PortOf(region)}";

    public IHost Host(string region) => _hosts[region];

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts.Values)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await host.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Already stopped by the test, or slow to stop: disposing is enough.
            }

            host.Dispose();
        }
    }

    // Four free ports: eu's gateway and silo port, then us's.
    private int PortOf(string region, bool silo = false) => _ports[(region switch
    {
        "eu" => 0,
        "us" => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, "The pair's regions are eu and us."),
    }) + (silo ? 1 : 0)];
}
