using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Microsoft.Extensions.DependencyInjection;

namespace Concord.Grains.Ledger;

/// <summary>
/// Two-phase transfers: a hold reserves an amount within the placing region's escrow share; that region (the hold's
/// owner) alone captures, voids or expires it, so concurrent resolutions in several regions meet in one grain and
/// exactly one wins; the others are refused with <see cref="HoldResolvedException"/>. The owner expires its holds on a
/// timer, and a reminder brings the account back for it after a restart.
/// </summary>
internal sealed partial class AccountGrain
{
    private const string HoldExpiryReminder = "expire-holds";
    private static readonly TimeSpan MaxHoldLifetime = TimeSpan.FromDays(366);

    private IGrainTimer? _expiryTimer;
    private long? _expiryScheduledFor;
    private bool _expiryReminderRegistered;

    private TimeProvider Clock => ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;

    public Task<WriteReceipt> HoldAsync(HoldCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        EntityKeys.RequireRequestId(command.RequestId);
        var to = EntityKeys.RequireKey(command.To, "to");
        if (string.Equals(to, Key, StringComparison.Ordinal))
        {
            throw new InvalidRequestException("to", $"Account '{Key}' cannot hold funds for itself.");
        }

        if (command.ExpiresIn <= TimeSpan.Zero || command.ExpiresIn > MaxHoldLifetime)
        {
            throw new InvalidRequestException("expires", $"A hold expires after more than 0 and at most 366 days, not {command.ExpiresIn}.");
        }

        var expiresAt = Clock.GetUtcNow().Add(command.ExpiresIn).ToUnixTimeMilliseconds();
        return WriteAsync(command.RequestId, new HoldPlaced(Money.ToMinorUnits(command.Amount), to, expiresAt), cancellationToken);
    }

    public Task<WriteReceipt> CaptureAsync(CaptureCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        EntityKeys.RequireRequestId(command.RequestId);
        var hold = KnownHold(command.HoldId);
        var amount = command.Amount is { } part ? Money.ToMinorUnits(part) : hold.Amount;
        return WriteAsync(command.RequestId, new HoldCaptured(command.HoldId, amount, hold.To), cancellationToken);
    }

    public Task<WriteReceipt> VoidAsync(VoidCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        EntityKeys.RequireRequestId(command.RequestId);
        KnownHold(command.HoldId);
        return WriteAsync(command.RequestId, new HoldReleased(command.HoldId, Expired: false), cancellationToken);
    }

    /// <summary>The open hold <paramref name="holdId"/> as this region knows it; refused when resolved or unknown here.</summary>
    private OpenHold KnownHold(string holdId)
    {
        EntityKeys.RequireRequestId(holdId);
        if (DecisionState.ResolvedHolds.TryGetValue(holdId, out var outcome))
        {
            throw new HoldResolvedException(Key, holdId, outcome);
        }

        return DecisionState.Holds.TryGetValue(holdId, out var hold)
            ? hold
            : throw new InvalidRequestException("hold", $"'{Key}' has no hold '{holdId}' in region '{Region}''s log.");
    }

    /// <summary>At the owner, a capture or void of a hold past its expiry is refused as expired (its release follows at once).</summary>
    private void RefuseIfExpired(AccountState state, object command)
    {
        if (command is IHoldResolution resolution and not HoldReleased { Expired: true }
            && state.Holds.TryGetValue(resolution.HoldId, out var hold) && Clock.GetUtcNow().ToUnixTimeMilliseconds() >= hold.ExpiresAtMs)
        {
            ScheduleHoldExpiry(force: true);
            throw new HoldResolvedException(Key, resolution.HoldId, "expired");
        }
    }

    /// <summary>Sets the timer for this region's earliest open hold, and the reminder that outlives a restart.</summary>
    private void ScheduleHoldExpiry(bool force = false)
    {
        var next = State.Holds.Values.Where(h => string.Equals(h.Owner, Region, StringComparison.Ordinal)).Select(h => (long?)h.ExpiresAtMs).Min();
        if (!force && next == _expiryScheduledFor)
        {
            return;
        }

        _expiryTimer?.Dispose();
        _expiryTimer = null;
        _expiryScheduledFor = next;
        if (next is not { } due)
        {
            return;
        }

        var wait = TimeSpan.FromMilliseconds(Math.Max(0, due - Clock.GetUtcNow().ToUnixTimeMilliseconds()));
        _expiryTimer = this.RegisterGrainTimer(ExpireDueHoldsAsync, new GrainTimerCreationOptions { DueTime = wait, Period = Timeout.InfiniteTimeSpan, Interleave = true });
        if (!_expiryReminderRegistered)
        {
            _expiryReminderRegistered = true;
            _ = this.RegisterOrUpdateReminder(HoldExpiryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>Releases every hold of this region's that is past its expiry, once each (a derived request id per hold).</summary>
    private async Task ExpireDueHoldsAsync(CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var due = State.Holds.Where(h => string.Equals(h.Value.Owner, Region, StringComparison.Ordinal) && h.Value.ExpiresAtMs <= now).Select(h => h.Key).ToList();
        foreach (var holdId in due)
        {
            try
            {
                await ExecuteDerivedAsync("hold-expiry", holdId, new HoldReleased(holdId, Expired: true), cancellationToken);
            }
            catch (Exception ex) when (ex is not HoldResolvedException)
            {
                LogHoldExpiryFailed(ex, Key, holdId);
            }
        }

        ScheduleHoldExpiry(force: true);
        if (_expiryScheduledFor is null && _expiryReminderRegistered && await this.GetReminder(HoldExpiryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
            _expiryReminderRegistered = false;
        }
    }
}
