using System.Net;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Replication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Concord.Client.Sdk;

/// <summary>A lazily connected Orleans client for one region, connected within a bounded time.</summary>
internal sealed class RegionConnection(string region, IReadOnlyList<IPEndPoint> gateways, ConcordClientOptions options, ILoggerFactory? loggerFactory, ILogger logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private IHost? _host;
    private IClusterClient? _cluster;
    private bool _partial;

    public string Region => region;

    public async Task<IClusterClient> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_cluster is not null)
        {
            return _cluster;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cluster is not null)
            {
                return _cluster;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            var listening = await ListeningGatewaysAsync(timeout.Token).ConfigureAwait(false);
            var tls = options.TlsFor(listening);
            string? refused = null;
            var host = BuildHost(listening, tls, problem => refused = problem);
            try
            {
                await host.StartAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                host.Dispose();
                var why = refused is not null ? $": its TLS certificate is not trusted ({refused})"
                    : tls is null ? " (in plain TCP; a region that runs with TLS needs TlsAuthorityFile, --tls-ca in the CLI)"
                    : " (with TLS)";
                throw new RegionUnavailableException(region, $"Cannot reach region '{region}' at {string.Join(", ", gateways)} within {options.ConnectTimeout.TotalSeconds:0.#} s{why}.", ex);
            }

            _host = host;
            _partial = listening.Count < gateways.Count;
            ConcordClient.LogConnected(logger, region, string.Join(", ", listening));
            _cluster = host.Services.GetRequiredService<IClusterClient>();
            return _cluster;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>
    /// Drops a connection that was made to only some of the region's gateways (the others were down then), so that
    /// the next call probes all of them again instead of staying pinned to gateways that may now be gone.
    /// </summary>
    public async Task ForgetIfPartialAsync()
    {
        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_partial)
            {
                await CloseAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _connectLock.Dispose();
    }

    /// <summary>Stops and drops the client host, if any; best effort, because the region may already be gone.</summary>
    private async Task CloseAsync()
    {
        if (_host is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _host.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Closing is best effort.
        }

        _host.Dispose();
        _host = null;
        _cluster = null;
        _partial = false;
    }

    /// <summary>
    /// The gateways that accept a TCP connection now, or all of them when none does (the connect then fails in its
    /// own time). The Orleans client would otherwise keep retrying a dead silo's gateway for the whole connect timeout.
    /// </summary>
    private async Task<IReadOnlyList<IPEndPoint>> ListeningGatewaysAsync(CancellationToken cancellationToken)
    {
        if (gateways.Count < 2)
        {
            return gateways;
        }

        var probes = gateways.Select(async gateway =>
        {
            using var socket = new System.Net.Sockets.Socket(gateway.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                await socket.ConnectAsync(gateway, bound.Token).ConfigureAwait(false);
                return gateway;
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                return null;
            }
        });
        var listening = (await Task.WhenAll(probes).ConfigureAwait(false)).OfType<IPEndPoint>().ToList();
        return listening.Count > 0 ? listening : gateways;
    }

    // Retried until ConnectTimeout cancels the start: a region still starting is reachable a moment later.
    private IHost BuildHost(IReadOnlyList<IPEndPoint> reachable, Grains.Interfaces.Security.DeploymentTls? tls, Action<string> untrusted) => RegionClientHost.Create(
        region,
        reachable,
        options.ServiceId,
        new RegionClientHostSettings
        {
            ResponseTimeout = options.CallTimeout,
            ConnectRetryDelay = TimeSpan.FromMilliseconds(200),
            LoggerFactory = loggerFactory,
            Tls = tls,
            OnUntrustedGateway = untrusted,
        });
}
