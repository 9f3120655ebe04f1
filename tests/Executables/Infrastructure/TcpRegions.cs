using System.Net;
using Concord.Silo.Hosting;
using Microsoft.Extensions.Hosting;

namespace Concord.Tests.Infrastructure;

/// <summary>
/// Regions as real silos over loopback TCP, each linked to every other by the production link: <c>eu</c> and
/// <c>us</c> unless the test names others. They share throwaway keys: batches are authenticated and checkpoints signed.
/// </summary>
public sealed class TcpRegions : IAsyncDisposable
{
    private readonly string[] _regions;
    private readonly int[] _ports;
    private readonly Dictionary<string, IHost> _hosts = new(StringComparer.Ordinal);

    private TcpRegions(IReadOnlyList<string> regions)
    {
        _regions = [.. regions];
        _ports = FreePorts.Take(2 * regions.Count);
    }

    /// <summary>Starts every region; <paramref name="configure"/> adds to each region's options, <paramref name="configureSilo"/> to each silo.</summary>
    public static async Task<TcpRegions> StartAsync(Action<RegionHostOptions>? configure = null, Action<ISiloBuilder>? configureSilo = null, IReadOnlyList<string>? regions = null)
    {
        var pair = new TcpRegions(regions ?? ["eu", "us"]);
        try
        {
            RegionHostOptions[] deployment = [.. pair._regions.Select(region => new RegionHostOptions
            {
                Region = region,
                GatewayPort = pair.PortOf(region),
                SiloPort = pair.PortOf(region, silo: true),
                Peers = pair._regions.Where(r => r != region).ToDictionary(peer => peer, peer => new List<IPEndPoint> { pair.Gateway(peer) }, StringComparer.Ordinal),
            })];

            // Authenticated batches and signed checkpoints, as in a real deployment (and the local default).
            RegionHostOptions.ShareThrowawayKeys(deployment);
            foreach (var options in deployment)
            {
                configure?.Invoke(options);
                pair._hosts[options.Region] = RegionHost.Create(options, configureSilo: configureSilo);
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

    // Two free ports per region, in the order the regions were named: its gateway, then its silo port.
    private int PortOf(string region, bool silo = false) =>
        Array.IndexOf(_regions, region) is var index and >= 0
            ? _ports[(2 * index) + (silo ? 1 : 0)]
            : throw new ArgumentOutOfRangeException(nameof(region), region, $"The regions are {string.Join(", ", _regions)}.");
}
