using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Ledger;

/// <summary>
/// An account's replica in one region. The grain key is the account id (see <see cref="EntityKeys"/>).
/// Every command carries a request id; repeating a command with the same id returns the original
/// receipt and changes nothing. Bad input throws <see cref="Errors.InvalidRequestException"/>.
/// </summary>
[Alias("concord.IAccountGrain")]
public interface IAccountGrain : IGrainWithStringKey
{
    /// <summary>Adds money. Credits never need coordination, so the mode only labels the request.</summary>
    [Alias("deposit")]
    Task<WriteReceipt> DepositAsync(DepositCommand command, CancellationToken cancellationToken = default);

    /// <summary>Debits this account; the matching credit on <see cref="TransferCommand.To"/> follows asynchronously, exactly once.</summary>
    [Alias("transfer")]
    Task<WriteReceipt> TransferAsync(TransferCommand command, CancellationToken cancellationToken = default);

    /// <summary>Takes money out of the ledger. Always strict.</summary>
    [Alias("payout")]
    Task<WriteReceipt> PayoutAsync(PayoutCommand command, CancellationToken cancellationToken = default);

    /// <summary>
    /// Places a two-phase hold of <see cref="HoldCommand.Amount"/> for <see cref="HoldCommand.To"/>: reserved now
    /// (strict, within the deciding region's escrow share), posted by <see cref="CaptureAsync"/>, released by
    /// <see cref="VoidAsync"/> or at expiry. The hold's id is the command's request id.
    /// </summary>
    [Alias("hold")]
    Task<WriteReceipt> HoldAsync(HoldCommand command, CancellationToken cancellationToken = default);

    /// <summary>Posts all or part of an open hold to its payee; decided by the region that placed the hold, once.</summary>
    [Alias("capture")]
    Task<WriteReceipt> CaptureAsync(CaptureCommand command, CancellationToken cancellationToken = default);

    /// <summary>Releases an open hold whole; decided by the region that placed the hold, once.</summary>
    [Alias("void")]
    Task<WriteReceipt> VoidAsync(VoidCommand command, CancellationToken cancellationToken = default);

    [Alias("balance")]
    [Events.RequiresRole(Events.ClientRole.Reader)]
    Task<BalanceView> GetBalanceAsync(CancellationToken cancellationToken = default);

    /// <summary>Events of this region's copy of the log from <paramref name="fromPosition"/> (1-based), at most <paramref name="maxCount"/>.</summary>
    [Alias("statement")]
    [Events.RequiresRole(Events.ClientRole.Reader)]
    Task<Statement> GetStatementAsync(long fromPosition = 1, int maxCount = 100, CancellationToken cancellationToken = default);
}
