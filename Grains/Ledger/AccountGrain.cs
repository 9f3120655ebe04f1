using Concord.Grains.Constraints;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Concord.Grains.Ledger;

/// <summary>
/// An account's replica in this region, on the public entity API: each command becomes the payload it asks for and
/// goes through <see cref="ReplicatedEntityGrain{TState}.ExecuteAsync"/>. What is the ledger's own lives in the
/// partial files: batch-transfer holds (reservations every debit at home respects) and the derived grains the
/// repair pass catches up (the summary and the transfer processor).
/// </summary>
[Reentrant]
internal sealed partial class AccountGrain(ILogger<AccountGrain> logger) : ReplicatedEntityGrain<AccountState>, IAccountGrain, ITransferCreditSink, IHeldDebitSink
{
    private readonly ILogger _logger = logger;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        if (IsHome && Position > 0)
        {
            await RestoreHoldsAsync();
        }

        ScheduleHoldExpiry();
    }

    public Task<WriteReceipt> DepositAsync(DepositCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        EntityKeys.RequireRequestId(command.RequestId);
        RequireMode(command.Mode);
        return WriteAsync(command.RequestId, new Deposited(Money.ToMinorUnits(command.Amount)), cancellationToken);
    }

    public Task<WriteReceipt> TransferAsync(TransferCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        EntityKeys.RequireRequestId(command.RequestId);
        var to = EntityKeys.RequireKey(command.To, "to");
        if (string.Equals(to, Key, StringComparison.Ordinal))
        {
            throw new InvalidRequestException("to", $"Account '{Key}' cannot transfer to itself.");
        }

        RequireMode(command.Mode);
        return WriteAsync(command.RequestId, new Debited(Money.ToMinorUnits(command.Amount), to, command.Mode), cancellationToken);
    }

    public Task<WriteReceipt> PayoutAsync(PayoutCommand command, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(command);
        EntityKeys.RequireRequestId(command.RequestId);
        return WriteAsync(command.RequestId, new PaidOut(Money.ToMinorUnits(command.Amount)), cancellationToken);
    }

    public async Task<WriteReceipt> CreditAsync(TransferCredit credit, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        ArgumentNullException.ThrowIfNull(credit);
        if (await FindEventAsync(credit.DebitId, cancellationToken) is not { } debit
            || OutgoingTransfer.Of(debit.Payload) is not { } leg
            || !string.Equals(leg.To, Key, StringComparison.Ordinal)
            || leg.Amount != credit.Amount
            || !string.Equals(debit.RequestId, credit.RequestId, StringComparison.Ordinal))
        {
            throw new InvalidRequestException("debit", $"No debit {credit.DebitId} of {Money.Format(credit.Amount)} to '{Key}' with request '{credit.RequestId}' is in this region's log.");
        }

        return ReceiptOf(await ExecuteUnderDerivedIdAsync(credit.CreditRequestId, new Credited(credit.Amount, credit.DebitId), cancellationToken));
    }

    public Task<BalanceView> GetBalanceAsync(CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        var holds = State.Holds.Select(h => new HoldView(h.Key, Money.ToDecimal(h.Value.Amount), h.Value.To, h.Value.Owner, DateTimeOffset.FromUnixTimeMilliseconds(h.Value.ExpiresAtMs)));
        return Task.FromResult(new BalanceView(
            Key, Money.ToDecimal(State.Balance), Version, Position, Region, HighestBuffered, HomeRegion, State.Frozen,
            Money.ToDecimal(State.Escrow.RightsOf(Region)), Money.ToDecimal(State.Held), [.. holds]));
    }

    public async Task<Statement> GetStatementAsync(long fromPosition = 1, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        EnsureValidKey();
        if (fromPosition < 1)
        {
            throw new InvalidRequestException("fromPosition", $"Positions start at 1, not {fromPosition}.");
        }

        if (maxCount is < 1 or > 1000)
        {
            throw new InvalidRequestException("maxCount", $"A statement page holds 1 to 1000 lines, not {maxCount}.");
        }

        var page = await ReadEventsAsync(fromPosition, maxCount, cancellationToken);
        return new Statement(Key, [.. page.Select(e => StatementLines.From(e, IsVoid(e.Event)))], Position);
    }

    /// <summary>The decision at home includes funds reserved by batch transfers; a held debit draws on its reservation instead.</summary>
    protected override object? Decide(AccountState state, object command, CommandContext context)
    {
        if (command is HeldDebit held)
        {
            return DrawOnHold(held);
        }

        RefuseIfExpired(state, command);
        return AccountType.Decide(state, command, Key, context.Region, Reserved());
    }

    /// <summary>Keeps the expiry timer on this region's earliest open hold.</summary>
    protected override void OnStateChanged() => ScheduleHoldExpiry();

    private async Task<WriteReceipt> WriteAsync(string requestId, EventPayload command, CancellationToken cancellationToken) =>
        ReceiptOf(await ExecuteAsync(requestId, command, cancellationToken));

    private static WriteReceipt ReceiptOf(EntityReceipt receipt) => new(receipt.Events[0], receipt.Position, receipt.Replayed);

    /// <summary>True when the event's request id took effect through another event (the winner by HLC, origin).</summary>
    private bool IsVoid(EventEnvelope e) => TryGetDecision(e.RequestId, out var winner) && winner != e.Id;

    private static void RequireMode(ConsistencyMode mode)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new InvalidRequestException("mode", $"Unknown consistency mode {(int)mode}.");
        }
    }
}
