using System.Collections.Immutable;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Concord.Client.Sdk;

/// <summary>
/// The Concord SDK (<see cref="IConcordClient"/>). Connects on first use. Transient failures are retried in the region
/// in use with exponential backoff and jitter (<see cref="ConcordClientOptions.MaxAttempts"/>,
/// <see cref="ConcordClientOptions.RetryDelay"/>); when that region cannot be reached it fails over to the next of
/// <see cref="ConcordClientOptions.FailoverRegions"/>, with the same request id. Logs through the given
/// <see cref="ILoggerFactory"/>, Orleans' client included. Thread-safe.
/// </summary>
public sealed partial class ConcordClient : IConcordClient
{
    private readonly ConcordClientOptions _options;
    private readonly RegionConnection[] _connections;
    private readonly ResiliencePipeline _retries;
    private readonly ILogger _logger;
    private readonly ClientSession? _session;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Type, string), string> _entityIds = new();
    private int _current;

    /// <exception cref="ConcordConfigurationException">An option cannot work; the message names it.</exception>
    public ConcordClient(ConcordClientOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)loggerFactory?.CreateLogger<ConcordClient>() ?? NullLogger.Instance;
        _connections = [.. options.RegionsInOrder.Select(r => new RegionConnection(r.Region, r.Gateways, options, loggerFactory, _logger))];
        _retries = RetryPipeline(options, _logger);
        if (options.UseSession)
        {
            _session = new ClientSession();
            if (options.SessionToken is { } token)
            {
                _session.Resume(SessionTokens.Parse(token, options.ServiceId));
            }
        }
    }

    public string SessionToken => SessionTokens.Format(_options.ServiceId, _session?.Entries ?? []);

    public string Region => _options.Region;

    /// <summary>Creates a client and connects it, failing within <see cref="ConcordClientOptions.ConnectTimeout"/>.</summary>
    public static async Task<ConcordClient> ConnectAsync(ConcordClientOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var client = new ConcordClient(options, loggerFactory);
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
        return CallAccountAsync<IAccountGrain, WriteReceipt>(account, (grain, ct) => grain.DepositAsync(command, ct), cancellationToken);
    }

    public Task<WriteReceipt> TransferAsync(string from, string to, decimal amount, ConsistencyMode mode = ConsistencyMode.Optimistic, string? requestId = null, CancellationToken cancellationToken = default)
    {
        var command = new TransferCommand(requestId ?? NewRequestId(), to, amount, mode);
        return CallAccountAsync<IAccountGrain, WriteReceipt>(from, (grain, ct) => grain.TransferAsync(command, ct), cancellationToken);
    }

    public Task<WriteReceipt> PayoutAsync(string account, decimal amount, string? requestId = null, CancellationToken cancellationToken = default)
    {
        var command = new PayoutCommand(requestId ?? NewRequestId(), amount);
        return CallAccountAsync<IAccountGrain, WriteReceipt>(account, (grain, ct) => grain.PayoutAsync(command, ct), cancellationToken);
    }

    public Task<WriteReceipt> HoldAsync(string account, string to, decimal amount, TimeSpan expiresIn, string? holdId = null, CancellationToken cancellationToken = default)
    {
        var command = new HoldCommand(holdId ?? NewRequestId(), to, amount, expiresIn);
        return CallAccountAsync<IAccountGrain, WriteReceipt>(account, (grain, ct) => grain.HoldAsync(command, ct), cancellationToken);
    }

    public Task<WriteReceipt> CaptureAsync(string account, string holdId, decimal? amount = null, string? requestId = null, CancellationToken cancellationToken = default)
    {
        var command = new CaptureCommand(requestId ?? NewRequestId(), holdId, amount);
        return CallAccountAsync<IAccountGrain, WriteReceipt>(account, (grain, ct) => grain.CaptureAsync(command, ct), cancellationToken);
    }

    public Task<WriteReceipt> VoidAsync(string account, string holdId, string? requestId = null, CancellationToken cancellationToken = default)
    {
        var command = new VoidCommand(requestId ?? NewRequestId(), holdId);
        return CallAccountAsync<IAccountGrain, WriteReceipt>(account, (grain, ct) => grain.VoidAsync(command, ct), cancellationToken);
    }

    /// <summary>Debits every leg or none, atomically at the sources' home region (all sources must share one home).</summary>
    public Task<BatchReceipt> BatchTransferAsync(IReadOnlyList<TransferLeg> legs, string? requestId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(legs);
        var command = new BatchTransferCommand(requestId ?? NewRequestId(), [.. legs]);
        // The batch is decided where its sources are debited: each source account applies what the session saw of it first.
        return CallClusterAsync(cluster => cluster.GetGrain<IBatchTransferGrain>(0), (batches, ct) => batches.TransferAsync(command, ct), cancellationToken, dependsOn: [.. legs.Select(l => l.From)]);
    }

    /// <summary>Binds a handle to an account (strict by default: decided at the handles' primary region).</summary>
    public Task<HandleReceipt> ClaimHandleAsync(string handle, string account, ConsistencyMode mode = ConsistencyMode.Strict, string? requestId = null, CancellationToken cancellationToken = default)
    {
        var command = new ClaimHandleCommand(requestId ?? NewRequestId(), account, mode);
        return CallHandleAsync(handle, (grain, ct) => grain.ClaimAsync(command, ct), cancellationToken);
    }

    public Task<HandleReceipt> ReleaseHandleAsync(string handle, string account, string? requestId = null, CancellationToken cancellationToken = default)
    {
        var id = requestId ?? NewRequestId();
        return CallHandleAsync(handle, (grain, ct) => grain.ReleaseAsync(id, account, ct), cancellationToken);
    }

    /// <summary>Moves the binding of <paramref name="oldHandle"/> to <paramref name="newHandle"/> atomically.</summary>
    public Task<HandleReceipt> RenameHandleAsync(string oldHandle, string newHandle, string? requestId = null, CancellationToken cancellationToken = default)
    {
        EntityKeys.RequireKey(oldHandle, "old");
        EntityKeys.RequireKey(newHandle, "new");
        var command = new RenameHandleCommand(requestId ?? NewRequestId(), oldHandle, newHandle);
        return CallClusterAsync(cluster => cluster.GetGrain<IHandleRenameGrain>(0), (renames, ct) => renames.RenameAsync(command, ct), cancellationToken, dependsOn: [$"handle/{oldHandle}", $"handle/{newHandle}"]);
    }

    /// <summary>Who holds a handle, as the region in use knows it.</summary>
    public Task<HandleView> WhoisAsync(string handle, CancellationToken cancellationToken = default) =>
        CallHandleAsync(handle, (grain, ct) => grain.WhoisAsync(ct), cancellationToken);

    private Task<TResult> CallHandleAsync<TResult>(string handle, Func<IHandleGrain, CancellationToken, Task<TResult>> call, CancellationToken cancellationToken)
    {
        EntityKeys.RequireKey(handle, "handle");
        return CallClusterAsync(cluster => cluster.GetGrain<IHandleGrain>(handle), call, cancellationToken, $"handle/{handle}");
    }

    public Task<BalanceView> GetBalanceAsync(string account, CancellationToken cancellationToken = default) =>
        CallAccountAsync<IAccountGrain, BalanceView>(account, (grain, ct) => grain.GetBalanceAsync(ct), cancellationToken);

    public Task<Statement> GetStatementAsync(string account, long fromPosition = 1, int maxCount = 100, CancellationToken cancellationToken = default) =>
        CallAccountAsync<IAccountGrain, Statement>(account, (grain, ct) => grain.GetStatementAsync(fromPosition, maxCount, ct), cancellationToken);

    /// <summary>The derived summary of an account (may lag the account by a stream delivery).</summary>
    public Task<AccountSummary> GetSummaryAsync(string account, CancellationToken cancellationToken = default) =>
        CallAccountAsync<IAccountSummaryGrain, AccountSummary>(account, (grain, ct) => grain.GetAsync(ct), cancellationToken);

    public Task<RegionTotals> GetRegionTotalsAsync(CancellationToken cancellationToken = default) =>
        CallClusterAsync(cluster => cluster.GetGrain<IRegionTotalsGrain>(0), (totals, ct) => totals.GetAsync(ct), cancellationToken);

    public Task<ImmutableArray<ApologyNotice>> GetApologiesAsync(string? account = null, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        if (account is not null)
        {
            EntityKeys.RequireKey(account, "account");
        }

        return CallClusterAsync(cluster => cluster.GetGrain<IApologyFeedGrain>(0), (feed, ct) => feed.GetAsync(account, maxCount, ct), cancellationToken);
    }

    /// <summary>Audits the region in use: chains, replicas, snapshots, views and invariants (see docs/audit.md).</summary>
    public Task<AuditReport> AuditAsync(double sampleFraction = 1.0, int seed = 0, CancellationToken cancellationToken = default) =>
        CallClusterAsync(cluster => cluster.GetGrain<IAuditorGrain>(0), (auditor, ct) => auditor.RunAsync(new AuditRequest(sampleFraction, seed), ct), cancellationToken);

    /// <summary>Progress of the audit running in the region in use.</summary>
    public Task<AuditProgress> GetAuditProgressAsync(CancellationToken cancellationToken = default) =>
        CallClusterAsync(cluster => cluster.GetGrain<IAuditorGrain>(0), (auditor, ct) => auditor.GetProgressAsync(ct), cancellationToken);

    /// <summary>Status of the region in use: its peers, link states, replication lag and digest.</summary>
    public Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        CallClusterAsync(cluster => cluster.GetGrain<IRegionAdminGrain>(0), (admin, ct) => admin.GetStatusAsync(ct), cancellationToken);

    /// <summary>A page of any entity's log in the region in use (an account, <c>handle/NAME</c>, or <c>type/key</c> of a registered type).</summary>
    public Task<EntityLogPage> ReadLogAsync(string entityId, long fromPosition = 1, int maxCount = 100, CancellationToken cancellationToken = default) =>
        CallClusterAsync(cluster => cluster.GetGrain<IRegionAdminGrain>(0), (admin, ct) => admin.ReadLogAsync(entityId, fromPosition, maxCount, ct), cancellationToken);

    /// <summary>Sets the faults on the in-use region's link to <paramref name="peer"/>; refused unless the region runs with fault injection.</summary>
    public Task SetLinkFaultAsync(string peer, LinkFault fault, CancellationToken cancellationToken = default) =>
        CallClusterAsync(cluster => cluster.GetGrain<IRegionAdminGrain>(0), async (admin, ct) =>
        {
            await admin.SetLinkFaultAsync(peer, fault, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task ConnectAsync(CancellationToken cancellationToken = default) => await ConnectClusterAsync(cancellationToken).ConfigureAwait(false);

    public Task<TResult> CallAsync<TGrain, TResult>(string key, Func<TGrain, CancellationToken, Task<TResult>> call, CancellationToken cancellationToken = default)
        where TGrain : IGrainWithStringKey
    {
        EntityKeys.RequireKey(key, "key");
        ArgumentNullException.ThrowIfNull(call);

        // The entity id (type/key) is learnt from the first receipt; until then the call carries no dependency.
        var grain = (typeof(TGrain), key);
        return CallClusterAsync(cluster => cluster.GetGrain<TGrain>(key), call, cancellationToken, _entityIds.GetValueOrDefault(grain), grain);
    }

    /// <summary>The Orleans client of the region in use (the first reachable one, in order).</summary>
    private async Task<IClusterClient> ConnectClusterAsync(CancellationToken cancellationToken)
    {
        RegionUnavailableException? last = null;
        for (var i = 0; i < _connections.Length; i++)
        {
            var index = (Volatile.Read(ref _current) + i) % _connections.Length;
            try
            {
                var cluster = await _connections[index].ConnectAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _current, index);
                return cluster;
            }
            catch (RegionUnavailableException ex)
            {
                last = ex;
            }
        }

        throw last!;
    }

    public string CurrentRegion => _connections[Volatile.Read(ref _current)].Region;

    private Task<TResult> CallAccountAsync<TGrain, TResult>(string key, Func<TGrain, CancellationToken, Task<TResult>> call, CancellationToken cancellationToken)
        where TGrain : IGrainWithStringKey
    {
        EntityKeys.RequireKey(key, "account");
        return CallClusterAsync(cluster => cluster.GetGrain<TGrain>(key), call, cancellationToken, key);
    }

    /// <summary>
    /// Calls the region in use, retrying transient failures there, then fails over to the next region.
    /// The caller built the command once, so every attempt carries the same request id.
    /// </summary>
    private async Task<TResult> CallClusterAsync<TGrain, TResult>(
        Func<IClusterClient, TGrain> grainOf,
        Func<TGrain, CancellationToken, Task<TResult>> call,
        CancellationToken cancellationToken,
        string? entityId = null,
        (Type, string)? grain = null,
        IReadOnlyList<string>? dependsOn = null)
    {
        RegionUnavailableException? unreachable = null;
        for (var tried = 0; tried < _connections.Length; tried++)
        {
            var index = Volatile.Read(ref _current);
            var connection = _connections[index];
            try
            {
                var cluster = await connection.ConnectAsync(cancellationToken).ConfigureAwait(false);
                var result = await WithRetriesAsync(connection.Region, dependsOn ?? (entityId is null ? [] : [entityId]), ct => call(grainOf(cluster), ct), cancellationToken).ConfigureAwait(false);
                if (_session is not null)
                {
                    if (grain is { } learnt && result is Grains.Interfaces.Entities.EntityReceipt receipt)
                    {
                        _entityIds[learnt] = entityId ??= receipt.EntityId;
                    }

                    _session.Observe(entityId, result);
                }

                return result;
            }
            catch (RegionUnavailableException ex)
            {
                // A connection made while some of the region's gateways were down is rebuilt on the next call.
                await connection.ForgetIfPartialAsync().ConfigureAwait(false);
                if (_connections.Length == 1)
                {
                    throw;
                }

                unreachable = ex;
                var next = (index + 1) % _connections.Length;
                if (Interlocked.CompareExchange(ref _current, next, index) == index && tried + 1 < _connections.Length)
                {
                    LogFailingOver(_logger, connection.Region, _connections[next].Region, ex.Message);
                }
            }
        }

        throw unreachable!;
    }

    /// <summary>One call in one region: transient failures retried with backoff and jitter, an unreachable region reported as such.</summary>
    private async Task<TResult> WithRetriesAsync<TResult>(string region, IReadOnlyList<string> dependsOn, Func<CancellationToken, Task<TResult>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _retries.ExecuteAsync(
                async ct =>
                {
                    if (_options.Credential is { } credential)
                    {
                        RequestContext.Set(ClientCredentials.RequestContextKey, credential);
                    }

                    // What this session saw of the called entities: the region applies it before it answers or decides.
                    if (dependsOn.Count > 0 && _session?.DependencyOn(dependsOn) is { } seen)
                    {
                        RequestContext.Set(SessionTokens.RequestContextKey, seen);
                    }
                    else
                    {
                        RequestContext.Remove(SessionTokens.RequestContextKey);
                    }

                    return await call(ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (TransientFailures.IsUnreachable(ex))
        {
            // Orleans puts the remote stack into some messages; people need the first line.
            var reason = ex.Message.Split('\n', 2)[0].Trim();
            throw new RegionUnavailableException(region, $"Region '{region}' stopped answering: {reason}", ex);
        }
    }

    private static ResiliencePipeline RetryPipeline(ConcordClientOptions options, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder();
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(TransientFailures.IsTransient),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                OnRetry = retry =>
                {
                    LogRetrying(logger, retry.AttemptNumber + 2, options.MaxAttempts, retry.RetryDelay.TotalMilliseconds, retry.Outcome.Exception?.GetType().Name ?? "no answer");
                    return default;
                },
            });
        }

        return builder.Build();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrying a call (attempt {Attempt} of {MaxAttempts}) in {DelayMs:0} ms after {Failure}.")]
    private static partial void LogRetrying(ILogger logger, int attempt, int maxAttempts, double delayMs, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Region {From} cannot be reached ({Reason}); failing over to {To}.")]
    private static partial void LogFailingOver(ILogger logger, string from, string to, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to region {Region} through {Gateways}.")]
    internal static partial void LogConnected(ILogger logger, string region, string gateways);
}
