using System.Collections.Concurrent;
using System.Net;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Interfaces.Security;
using Concord.Grains.Replication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Concord.Silo.Hosting;

/// <summary>
/// Links to peer regions over TCP: one Orleans client per peer, in its own host (a silo host cannot also
/// be a client host). Connecting is lazy and bounded, so a peer that is down never delays this region.
/// </summary>
/// <param name="tls">TLS to the peers' gateways, presenting this region's certificate; null for plain TCP.</param>
/// <param name="untrustedPeer">Hears (peer, why) when a peer's gateway certificate is refused.</param>
public sealed class PeerClusterLinkFactory(
    IReadOnlyDictionary<string, IReadOnlyList<IPEndPoint>> peers,
    string serviceId,
    TimeSpan connectTimeout,
    string? credential = null,
    DeploymentTls? tls = null,
    Action<string, string>? untrustedPeer = null)
    : IRegionLinkFactory, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PeerConnection> _connections = new(StringComparer.Ordinal);

    public IRegionLink Create(string peer)
    {
        if (!peers.TryGetValue(peer, out var gateways))
        {
            throw new InvalidOperationException($"No gateways are configured for peer region '{peer}'.");
        }

        var connection = _connections.GetOrAdd(peer, p => new PeerConnection(p, gateways, serviceId, connectTimeout, tls, untrustedPeer));
        return new ClusterClientRegionLink(peer, connection.ConnectAsync, credential);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync();
        }
    }

    private sealed class PeerConnection(
        string peer, IReadOnlyList<IPEndPoint> gateways, string serviceId, TimeSpan connectTimeout, DeploymentTls? tls, Action<string, string>? untrustedPeer) : IAsyncDisposable
    {
        private readonly SemaphoreSlim _connecting = new(1, 1);
        private IHost? _host;
        private IClusterClient? _client;

        public async Task<IClusterClient> ConnectAsync(CancellationToken cancellationToken)
        {
            if (_client is not null)
            {
                return _client;
            }

            // One attempt at a time; other callers fail fast instead of queueing behind a dead peer.
            if (!await _connecting.WaitAsync(0, cancellationToken))
            {
                throw new RegionLinkUnavailableException(peer, "connecting");
            }

            IHost? host = null;
            string? refused = null;
            try
            {
                if (_client is not null)
                {
                    return _client;
                }

                host = RegionClientHost.Create(peer, gateways, serviceId, new RegionClientHostSettings
                {
                    ConnectRetryDelay = TimeSpan.FromMilliseconds(250),
                    Tls = tls,
                    OnUntrustedGateway = problem =>
                    {
                        refused = problem;
                        untrustedPeer?.Invoke(peer, problem);
                    },
                });
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(connectTimeout);
                await host.StartAsync(timeout.Token);
                _host = host;
                _client = host.Services.GetRequiredService<IClusterClient>();
                return _client;
            }
            catch (Exception ex) when (ex is not RegionLinkUnavailableException)
            {
                host?.Dispose();
                throw new RegionLinkUnavailableException(peer, $"cannot connect to {string.Join(", ", gateways)}{(refused is null ? string.Empty : $": its TLS certificate is not trusted ({refused})")}", ex);
            }
            finally
            {
                _connecting.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_host is not null)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await _host.StopAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    // The peer may already be gone; disposing below releases everything regardless.
                }

                _host.Dispose();
            }
        }
    }
}
