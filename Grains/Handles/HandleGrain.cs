using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Concord.Grains.Handles;

/// <summary>
/// A handle's replica in this region, on the public entity API. At the primary, strict decisions are made binding
/// in Orleans transactions on the ownership record before they are appended; elsewhere they are forwarded there.
/// A claim that cannot reach the primary may be recorded as tentative, and the primary decides it later.
/// </summary>
[Reentrant]
internal sealed partial class HandleGrain(ITransactionClient transactions, ILogger<HandleGrain> logger) : ReplicatedEntityGrain<HandleState>, IHandleGrain, IHandleBindingsGrain
{
    private IGrainTimer? _resolveTimer;

    private IHandleOwnershipGrain OwnershipOf(string handle) => GrainFactory.GetGrain<IHandleOwnershipGrain>(handle);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        if (IsHome)
        {
            // Every activation at the primary, even of an empty log: a rename's transaction may have claimed this handle.
            await ReconcileWithOwnershipAsync(cancellationToken);
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

        if (TryGetDecision(requestId, out var done))
        {
            return new HandleReceipt(Key, account, Tentative: done.Origin != HomeRegion, Replayed: true, [done]);
        }

        try
        {
            var receipt = await ExecuteAsync(requestId, command with { Mode = ConsistencyMode.Strict }, cancellationToken);
            return new HandleReceipt(Key, account, Tentative: false, receipt.Replayed, receipt.Events);
        }
        catch (CoordinationUnavailableException) when (HandleType.WhenPrimaryUnreachable(command) is { } tentative)
        {
            // The primary decides later; until then the claim is visible as pending in this region.
            var receipt = await ExecuteAsync(requestId, tentative, cancellationToken);
            return new HandleReceipt(Key, account, Tentative: true, receipt.Replayed, receipt.Events);
        }
    }

    public async Task<HandleReceipt> ReleaseAsync(string requestId, string account, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        var released = new ReleaseHandle(EntityKeys.RequireKey(account, "account"));
        var receipt = await ExecuteAsync(requestId, released, cancellationToken);
        return new HandleReceipt(Key, receipt.Events.IsEmpty ? null : account, Tentative: false, receipt.Replayed, receipt.Events);
    }

    public async Task<HandleReceipt> RenameIntoAsync(RenameHandleCommand command, CancellationToken cancellationToken = default)
    {
        var receipt = await ExecuteAsync(command.RequestId, command, cancellationToken);
        return new HandleReceipt(Key, State.Owner, Tentative: false, receipt.Replayed, receipt.Events);
    }

    public Task AdoptRenameAsync(string renameRequestId, EventPayload binding, CancellationToken cancellationToken = default) =>
        ExecuteDerivedAsync("rename", renameRequestId, new AdoptBinding(binding), cancellationToken);

    public Task<HandleView> WhoisAsync(CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        return Task.FromResult(new HandleView(Key, State.Owner, [.. State.Pending.Select(p => p.Value.Account)], HomeRegion, Region, Version));
    }

    /// <summary>At the primary: the entity's rule first, then the ownership record's transaction makes it binding.</summary>
    protected override async Task<object?> DecideAtHomeAsync(HandleState state, object command, CommandContext context, CancellationToken cancellationToken)
    {
        switch (command)
        {
            case ClaimHandleCommand claim:
            {
                var bound = await base.DecideAtHomeAsync(state, command, context, cancellationToken);
                await RunTransactionAsync(() => OwnershipOf(Key).ClaimAsync(claim.Account));
                return bound;
            }

            case ReleaseHandle release:
            {
                // The record, not the log, says who holds the handle: they differ only after a lost append.
                HandleReleased? released = null;
                await RunTransactionAsync(async () =>
                {
                    released = HandleType.Release(Key, await OwnershipOf(Key).GetOwnerAsync(), release);
                    if (released is not null)
                    {
                        await OwnershipOf(Key).ReleaseAsync();
                    }
                });
                return released;
            }

            case ResolveClaim:
            {
                if (await base.DecideAtHomeAsync(state, command, context, cancellationToken) is not HandleBound bound)
                {
                    // Decided already, or no longer the claim that may win.
                    return null;
                }

                await RunTransactionAsync(async () =>
                {
                    if (state.Owner is { } younger && !string.Equals(younger, bound.Account, StringComparison.Ordinal))
                    {
                        var released = await OwnershipOf(Key).ReleaseAsync();
                        if (!string.Equals(released, younger, StringComparison.Ordinal))
                        {
                            // The binding changed under us (a release or a strict claim); decide this claim again later.
                            throw new HandleTakenException(Key, released ?? "nobody");
                        }
                    }

                    await OwnershipOf(Key).ClaimAsync(bound.Account);
                });
                return bound;
            }

            case RenameHandleCommand rename:
                return await RenameAsync(rename);

            default:
                return await base.DecideAtHomeAsync(state, command, context, cancellationToken);
        }
    }

    /// <summary>After every change at the primary: tentative claims that may win are bound, outside the commit loop.</summary>
    protected override void OnStateChanged()
    {
        if (!IsHome || _resolveTimer is not null || State.NextClaimToBind is null)
        {
            return;
        }

        _resolveTimer = this.RegisterGrainTimer(
            async () =>
            {
                await ResolveBindableClaimsAsync();
                if (State.NextClaimToBind is null)
                {
                    _resolveTimer?.Dispose();
                    _resolveTimer = null;
                }
            },
            new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = TimeSpan.FromSeconds(1), Interleave = true });
    }

    /// <summary>Binds the oldest claim that may win; the losers' rejections are the entity type's owed apologies.</summary>
    private async Task ResolveBindableClaimsAsync()
    {
        if (State.NextClaimToBind is not { } claimId)
        {
            return;
        }

        try
        {
            await ExecuteDerivedAsync(ResolveClaim.Purpose, claimId, new ResolveClaim(claimId));
        }
        catch (Exception ex)
        {
            LogResolveFailed(ex, Key, State.Claims[claimId].Account);
        }
    }

    /// <summary>Moves the binding of the old handle onto this one in one transaction; the old handle's release follows.</summary>
    private async Task<HandleBound> RenameAsync(RenameHandleCommand rename)
    {
        string? account = null;
        await RunTransactionAsync(async () =>
        {
            account = await OwnershipOf(rename.Old).ReleaseAsync()
                ?? throw new InvalidRequestException("old", $"Handle '{rename.Old}' is not bound to any account.");
            await OwnershipOf(Key).ClaimAsync(account);
        });
        await GrainFactory.GetGrain<IHandleBindingsGrain>(rename.Old).AdoptRenameAsync(rename.RequestId, new HandleReleased(account!));
        return new HandleBound(account!, rename.RequestId);
    }

    /// <summary>A crash between a committed transaction and its log append leaves them apart; the record wins.</summary>
    private async Task ReconcileWithOwnershipAsync(CancellationToken cancellationToken)
    {
        var owner = await OwnershipOf(Key).GetOwnerAsync();
        if (string.Equals(owner, State.Owner, StringComparison.Ordinal))
        {
            return;
        }

        var basis = (Position + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        LogReconciled(Key, State.Owner, owner);
        await ExecuteDerivedAsync("recover", basis, new AdoptBinding(owner is null ? new HandleReleased(State.Owner!) : new HandleBound(owner, $"recover/{basis}")), cancellationToken);
    }

    private Task RunTransactionAsync(Func<Task> transaction) => transactions.RunTransaction(TransactionOption.Create, transaction);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handle {Handle}: binding the tentative claim of {Account} failed; retried on the next tick.")]
    private partial void LogResolveFailed(Exception exception, string handle, string account);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handle {Handle}: the log said {Logged}, the ownership record {Owner}; appending the record's binding.")]
    private partial void LogReconciled(string handle, string? logged, string? owner);
}

/// <summary>What the primary's handle grains ask of each other: a rename into this handle, and a binding decided elsewhere.</summary>
[Alias("concord.IHandleBindingsGrain")]
internal interface IHandleBindingsGrain : IGrainWithStringKey
{
    /// <summary>Moves the old handle's binding onto this one. Strict.</summary>
    [Alias("rename-into")]
    Task<HandleReceipt> RenameIntoAsync(RenameHandleCommand command, CancellationToken cancellationToken = default);

    /// <summary>At the primary: appends the old handle's release a rename's transaction made. Idempotent by the rename's request id.</summary>
    [Alias("adopt-rename")]
    Task AdoptRenameAsync(string renameRequestId, EventPayload binding, CancellationToken cancellationToken = default);
}
