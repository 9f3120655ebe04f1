using System.Collections.Immutable;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Concord.Client.Sdk;

/// <summary>
/// The Concord SDK: typed, cancellable operations against one region. Write methods take an optional
/// request id and make one up when none is given; transient failures are retried with the same id, so a
/// retried write takes effect once. Errors are the typed exceptions of <c>Concord.Grains.Interfaces.Errors</c>.
/// Connects on first use; thread-safe.
/// </summary>
public sealed class ConcordClient : IAsyncDisposable
{
    private readonly ConcordClientOptions _options;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private IHost? _host;
    private IClusterClient? _cluster;

    public ConcordClient(ConcordClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public string Region => _options.Region;

    /// <summary>Creates a client and connects it, failing within <see cref="ConcordClientOptions.ConnectTimeout"/>.</summary>
    public static async Task<ConcordClient> ConnectAsync(ConcordClientOptions options, CancellationToken cancellationToken = default)
    {
        var client = new ConcordClient(options);
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A fresh request id (32 hex digits).</summary>
    public static string NewRequestId() => Guid.NewGuid().ToString("N");

    public Task<WriteReceipt> DepositAsync(string account, decimal amount, string? requestId = null, CancellationToken cancellationToken = default)
    {
        var command = new DepositCommand(requestId ?? NewRequestId(), amount);
        return CallAsync<IAccountGrain, WriteReceipt>(account, (grain, ct) => grain.DepositAsync(command, ct), cancellationToken);
    }

    public Task<WriteReceipt> TransferAsync(string from, string to, decimal amount, ConsistencyMode mode = ConsistencyMode.Optimistic, string? requestId = null, CancellationToken cancellationToken = default)
    {
        var command = new TransferCommand(requestId ?? NewRequestId(), to, amount, mode);
        return CallAsync<IAccountGrain, WriteReceipt>(from, (grain, ct) => grain.TransferAsync(command, ct), cancellationToken);
    }

    public Task<WriteReceipt> PayoutAsync(string account, decimal amount, string? requestId = null, CancellationToken cancellationToken = default)
    {
        var command = new PayoutCommand(requestId ?? NewRequestId(), amount);
        return CallAsync<IAccountGrain, WriteReceipt>(account, (grain, ct) => grain.PayoutAsync(command, ct), cancellationToken);
    }

    public Task<BalanceView> GetBalanceAsync(string account, CancellationToken cancellationToken = default) =>
        CallAsync<IAccountGrain, BalanceView>(account, (grain, ct) => grain.GetBalanceAsync(ct), cancellationToken);

    public Task<Statement> GetStatementAsync(string account, long fromPosition = 1, int maxCount = 100, CancellationToken cancellationToken = default) =>
        CallAsync<IAccountGrain, Statement>(account, (grain, ct) => grain.GetStatementAsync(fromPosition, maxCount, ct), cancellationToken);

    /// <summary>The derived summary of an account (may lag the account by a stream delivery).</summary>
    public Task<AccountSummary> GetSummaryAsync(string account, CancellationToken cancellationToken = default) =>
        CallAsync<IAccountSummaryGrain, AccountSummary>(account, (grain, ct) => grain.GetAsync(ct), cancellationToken);

    public async Task<RegionTotals> GetRegionTotalsAsync(CancellationToken cancellationToken = default)
    {
        var cluster = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await WithRetriesAsync(ct => cluster.GetGrain<IRegionTotalsGrain>(0).GetAsync(ct), cancellationToken).ConfigureAwait(false);
    }

    public async Task<ImmutableArray<ApologyNotice>> GetApologiesAsync(string? account = null, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        if (account is not null)
        {
            EntityKeys.RequireKey(account, "account");
        }

        var cluster = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await WithRetriesAsync(ct => cluster.GetGrain<IApologyFeedGrain>(0).GetAsync(account, maxCount, ct), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _host.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Closing is best effort; the process may already be losing its connection.
            }

            _host.Dispose();
            _host = null;
        }

        _connectLock.Dispose();
    }

    /// <summary>Connects if not yet connected. Throws <see cref="RegionUnavailableException"/> when no gateway answers in time.</summary>
    public async Task<IClusterClient> ConnectAsync(CancellationToken cancellationToken = default)
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

            var host = BuildHost();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.ConnectTimeout);
            try
            {
                await host.StartAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                host.Dispose();
                var gateways = string.Join(", ", _options.EffectiveGateways);
                throw new RegionUnavailableException(_options.Region, $"Cannot reach region '{_options.Region}' at {gateways} within {_options.ConnectTimeout.TotalSeconds:0.#} s.", ex);
            }

            _host = host;
            _cluster = host.Services.GetRequiredService<IClusterClient>();
            return _cluster;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private IHost BuildHost()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering([.. _options.EffectiveGateways]);
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = $"concord-{_options.Region}";
                cluster.ServiceId = _options.ServiceId;
            });
            client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = _options.CallTimeout);

            // Keep retrying the first connection until ConnectTimeout cancels it; a region that is still
            // starting is reachable a moment later, one that is down fails fast instead of hanging.
            client.UseConnectionRetryFilter(async (_, ct) =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
                return true;
            });
        });
        return builder.Build();
    }

    private async Task<TResult> CallAsync<TGrain, TResult>(string key, Func<TGrain, CancellationToken, Task<TResult>> call, CancellationToken cancellationToken)
        where TGrain : IGrainWithStringKey
    {
        EntityKeys.RequireKey(key, "account");
        var cluster = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var grain = cluster.GetGrain<TGrain>(key);
        return await WithRetriesAsync(ct => call(grain, ct), cancellationToken).ConfigureAwait(false);
    }

    private async Task<TResult> WithRetriesAsync<TResult>(Func<CancellationToken, Task<TResult>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (TransientFailures.IsTransient(ex) && attempt < _options.MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 << attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (TransientFailures.IsUnreachable(ex))
            {
                throw new RegionUnavailableException(_options.Region, $"Region '{_options.Region}' stopped answering: {ex.Message}", ex);
            }
        }
    }
}
