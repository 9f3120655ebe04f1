using System.Collections.Immutable;
using Concord.Grains.Constraints;
using Concord.Grains.Diagnostics;
using Concord.Grains.Events;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Transactions;

namespace Concord.Grains.Handles;

/// <summary>
/// A handle's replica in this region. At the handles' primary region it decides: claims and releases run
/// as Orleans transactions on the ownership record, and only then is the binding appended to the log.
/// Elsewhere it forwards strict operations to the primary, records tentative claims when the primary is
/// unreachable, and answers whois from its own replica of the log.
/// </summary>
[Reentrant]
internal sealed partial class HandleGrain : Grain, IHandleGrain, IHandleReplicaGrain
{
    private readonly IEventLogStore _store;
    private readonly ITransactionClient _transactions;
    private readonly ConcordOptions _options;
    private readonly ILogger<HandleGrain> _logger;
    private readonly EntityReplica _replica;
    private HandleState _state;
    private GroupCommitLog _log = null!;
    private bool _decidingPending;
    private IGrainTimer? _decideTimer;
    private string? _invalidKeyMessage;

    public HandleGrain(IEventLogStore store, ITransactionClient transactions, HybridLogicalClock clock, IOptions<ConcordOptions> options, ILogger<HandleGrain> logger)
    {
        _store = store;
        _transactions = transactions;
        _options = options.Value;
        _logger = logger;
        _state = new HandleState(_options.HandlePrimary);
        _replica = new EntityReplica(HandleEntities.EntityIdOf(this.GetPrimaryKeyString()), _options.Region, clock, () => _log, () => _state);
    }

    private string Handle => this.GetPrimaryKeyString();

    private string EntityId => HandleEntities.EntityIdOf(Handle);

    private string Primary => _options.HandlePrimary;

    private bool IsPrimary => string.Equals(Primary, _options.Region, StringComparison.Ordinal);

    private IHandleOwnershipGrain Ownership => GrainFactory.GetGrain<IHandleOwnershipGrain>(Handle);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!EntityKeys.IsValidKey(Handle))
        {
            _invalidKeyMessage = $"The handle '{Handle}' is not 1-{EntityKeys.MaxLength} characters of A-Z a-z 0-9 . _ -.";
            return;
        }

        _log = new GroupCommitLog(EntityId, _store, _options.MaxGroupCommitEvents, ApplyCommitted, AfterCommitAsync, OnLogFault, ServiceProvider.GetRequiredService<ConcordMetrics>(), _options.Region);
        var head = await _store.GetHeadAsync(EntityId, cancellationToken);
        var tail = new LogFollower(_store, EntityId);
        await tail.CatchUpAsync(head, logged =>
        {
            _state.Apply(logged);
            return Task.CompletedTask;
        }, cancellationToken);

        _log.Initialize(_state.Position);
        if (IsPrimary && _state.Position > 0)
        {
            await ReconcileWithOwnershipAsync();
        }
    }

    public async Task<HandleReceipt> ClaimAsync(ClaimHandleCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        var requestId = EntityKeys.RequireRequestId(command.RequestId);
        var account = EntityKeys.RequireKey(command.Account, "account");
        if (!Enum.IsDefined(command.Mode))
        {
            throw new InvalidRequestException("mode", $"Unknown consistency mode {(int)command.Mode}.");
        }

        if (_state.HasRequest(requestId, out var done))
        {
            return new HandleReceipt(Handle, account, Tentative: done.Origin != Primary, Replayed: true);
        }

        if (IsPrimary)
        {
            await DecideClaimAsync(requestId, requestId, account);
            return new HandleReceipt(Handle, account, Tentative: false, Replayed: false);
        }

        try
        {
            var forwarded = command with { Mode = ConsistencyMode.Strict };
            return await ForwardAsync(requestId, new HandleOperation(Handle, forwarded, null, null), cancellationToken);
        }
        catch (CoordinationUnavailableException) when (command.Mode == ConsistencyMode.Optimistic)
        {
            // The primary decides later; until then the claim is visible as pending in this region.
            await _replica.StageLocalAsync(requestId, new HandleClaimTentative(account));
            return new HandleReceipt(Handle, account, Tentative: true, Replayed: false);
        }
    }

    public async Task<HandleReceipt> ReleaseAsync(string requestId, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        EntityKeys.RequireRequestId(requestId);
        if (_state.HasRequest(requestId, out _))
        {
            return new HandleReceipt(Handle, null, Tentative: false, Replayed: true);
        }

        if (!IsPrimary)
        {
            return await ForwardAsync(requestId, new HandleOperation(Handle, null, requestId, null), cancellationToken);
        }

        string? previous = null;
        await RunTransactionAsync(async () => previous = await Ownership.ReleaseAsync());
        if (previous is not null)
        {
            await RecordBindingAsync(requestId, new HandleReleased(previous));
        }

        return new HandleReceipt(Handle, previous, Tentative: false, Replayed: false);
    }

    public Task<HandleView> WhoisAsync(CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        return Task.FromResult(new HandleView(Handle, _state.Owner, [.. _state.Pending.Select(p => p.Account)], Primary, _options.Region, _state.Version));
    }

    public async Task<RemoteApplyResult> ApplyRemoteAsync(ImmutableArray<EventEnvelope> events, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        var (rejected, _) = await _replica.ApplyRemoteAsync(events);
        return new RemoteApplyResult(_state.Version, _replica.Buffered, rejected);
    }

    public async Task RecordBindingAsync(string requestId, EventPayload binding)
    {
        EnsureValidKey();
        if (!IsPrimary)
        {
            throw new CoordinationUnavailableException(EntityId, Primary, "bindings are recorded only at the handles' primary region.");
        }

        if (!_state.HasRequest(requestId, out _))
        {
            await _replica.StageLocalAsync(requestId, binding);
        }
    }

    public Task<bool> HasRequestAsync(string requestId) => Task.FromResult(_state.HasRequest(requestId, out _));

    /// <summary>Has the handles' primary decide an operation, bounded by the strict-forward timeout.</summary>
    private async Task<HandleReceipt> ForwardAsync(string requestId, HandleOperation operation, CancellationToken cancellationToken) =>
        (await HomeRegionCall.InvokeAsync(
            ServiceProvider,
            Primary,
            EntityId,
            _options.StrictForwardTimeout,
            (link, ct) => link.ForwardCommandAsync(new Entities.ForwardedCommand(EntityId, requestId, operation, _options.Region), ct),
            cancellationToken)).ReceiptAs<HandleReceipt>();

    /// <summary>At the primary: claims the ownership record in a transaction, then appends the binding.</summary>
    private async Task DecideClaimAsync(string requestId, string claimRequestId, string account)
    {
        await RunTransactionAsync(() => Ownership.ClaimAsync(account));
        await RecordBindingAsync(requestId, new HandleBound(account, claimRequestId));
    }

    /// <summary>
    /// At the primary: decides tentative claims. The oldest tentative claim by (HLC, origin) wins, even when
    /// it arrives after a younger one was bound: the younger is displaced. A strict binding is never
    /// displaced. Every losing claim gets exactly one apology.
    /// </summary>
    private async Task DecidePendingAsync()
    {
        if (_decidingPending)
        {
            return;
        }

        _decidingPending = true;
        try
        {
            foreach (var (claimRequestId, account, hlc) in _state.Pending)
            {
                var decisionId = $"decide/{claimRequestId}";
                if (_state.HasRequest(decisionId, out _))
                {
                    continue;
                }

                try
                {
                    if (_state.OwnerTentativeClaim is { } bound && hlc < bound.Hlc)
                    {
                        await DisplaceAsync(bound.ClaimRequestId, bound.Account, decisionId, claimRequestId, account);
                        continue;
                    }

                    await DecideClaimAsync(decisionId, claimRequestId, account);
                }
                catch (HandleTakenException taken)
                {
                    LogClaimRejected(Handle, account, taken.Owner);
                    await RecordBindingAsync(decisionId, new HandleClaimRejected(account, claimRequestId, taken.Owner));
                }
            }
        }
        catch (Exception ex)
        {
            LogDecisionFailed(ex, Handle);
        }
        finally
        {
            _decidingPending = false;
        }
    }

    /// <summary>Rebinds from a younger tentative winner to an older tentative claim, and apologises to the younger.</summary>
    private async Task DisplaceAsync(string youngerClaimId, string youngerAccount, string decisionId, string olderClaimId, string olderAccount)
    {
        await RunTransactionAsync(async () =>
        {
            var previous = await Ownership.ReleaseAsync();
            if (!string.Equals(previous, youngerAccount, StringComparison.Ordinal))
            {
                // The binding changed under us (a release or a strict claim); decide this claim normally next time.
                throw new HandleTakenException(Handle, previous ?? "nobody");
            }

            await Ownership.ClaimAsync(olderAccount);
        });
        await RecordBindingAsync(decisionId, new HandleBound(olderAccount, olderClaimId));
        LogClaimRejected(Handle, youngerAccount, olderAccount);
        await RecordBindingAsync($"displace/{youngerClaimId}", new HandleClaimRejected(youngerAccount, youngerClaimId, olderAccount));
    }

    /// <summary>A crash between a committed transaction and its log append leaves them apart; the record wins.</summary>
    private async Task ReconcileWithOwnershipAsync()
    {
        var owner = await Ownership.GetOwnerAsync();
        if (string.Equals(owner, _state.Owner, StringComparison.Ordinal))
        {
            return;
        }

        var requestId = $"recover/{_state.Position + 1}";
        EventPayload binding = owner is null ? new HandleReleased(_state.Owner!) : new HandleBound(owner, requestId);
        LogReconciled(Handle, _state.Owner, owner);
        await _replica.StageLocalAsync(requestId, binding);
    }

    private async Task RunTransactionAsync(Func<Task> transaction)
    {
        try
        {
            await _transactions.RunTransaction(TransactionOption.Create, transaction);
        }
        catch (OrleansTransactionAbortedException ex)
        {
            ServiceProvider.GetRequiredService<ConcordMetrics>().TransactionAborted(ServiceProvider.GetRequiredService<IOptions<ConcordOptions>>().Value.Region, "handle-ownership");
            if (ex.InnerException is ConcordException inner)
            {
                throw inner;
            }

            throw;
        }
    }

    private void ApplyCommitted(LoggedEvent logged)
    {
        _state.Apply(logged);
        _replica.OnCommitted(logged.Event);
    }

    private async Task AfterCommitAsync(IReadOnlyList<LoggedEvent> committed)
    {
        foreach (var logged in committed)
        {
            if (logged.Event.Payload is HandleClaimRejected rejected)
            {
                try
                {
                    await GrainFactory.GetGrain<IApologyFeedGrain>(0).RecordAsync(
                        new ApologyNotice(logged.Event.Id, logged.Event.Hlc, rejected.Kind, $"handle '{Handle}': {rejected.Describe()}", rejected.Account));
                }
                catch (Exception ex)
                {
                    LogApologyFeedFailed(ex, Handle);
                }
            }
        }

        if (IsPrimary && _state.Pending.Length > 0)
        {
            // Decided outside the commit loop (deciding appends, and the loop must not wait on itself), and
            // retried every second until nothing is pending.
            _decideTimer ??= this.RegisterGrainTimer(
                async () =>
                {
                    await DecidePendingAsync();
                    if (_state.Pending.Length == 0)
                    {
                        _decideTimer?.Dispose();
                        _decideTimer = null;
                    }
                },
                new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = TimeSpan.FromSeconds(1), Interleave = true });
        }
    }

    private void OnLogFault(Exception ex)
    {
        LogAppendFailed(ex, Handle);
        this.DeactivateOnIdle();
    }

    private void EnsureValidKey()
    {
        if (_invalidKeyMessage is not null)
        {
            throw new InvalidRequestException("handle", _invalidKeyMessage);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Handle {Handle}: tentative claim by {Account} rejected; it is bound to {Owner}.")]
    private partial void LogClaimRejected(string handle, string account, string owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handle {Handle}: deciding tentative claims failed; retried on the next change.")]
    private partial void LogDecisionFailed(Exception exception, string handle);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handle {Handle}: the log said {Logged}, the ownership record {Owner}; appending the record's binding.")]
    private partial void LogReconciled(string handle, string? logged, string? owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handle {Handle}: recording an apology in the feed failed.")]
    private partial void LogApologyFeedFailed(Exception exception, string handle);

    [LoggerMessage(Level = LogLevel.Error, Message = "Appending to the log of handle {Handle} failed; deactivating to rebuild from storage.")]
    private partial void LogAppendFailed(Exception exception, string handle);
}
