using Concord.Silo.Hosting;
using Microsoft.Extensions.Hosting;

namespace Concord.Tests.Infrastructure;

/// <summary>A region silo listening on real loopback TCP ports, for the SDK and the CLI.</summary>
public sealed class TcpRegionFixture : IAsyncLifetime
{
    private IHost? _host;

    public int GatewayPort { get; private set; }

    public string Gateway => $"127.0.0.1:{GatewayPort}";

    public IServiceProvider Services => _host!.Services;

    public async Task InitializeAsync()
    {
        var ports = FreePorts.Take(2);
        GatewayPort = ports[0];
        _host = RegionHost.Create(new RegionHostOptions { Region = "eu", GatewayPort = ports[0], SiloPort = ports[1] });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _host.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _host.StopAsync(timeout.Token);
            _host.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TcpRegionCollection : ICollectionFixture<TcpRegionFixture>
{
    public const string Name = "one region over tcp";
}
