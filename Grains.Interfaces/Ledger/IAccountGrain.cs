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

    [Alias("balance")]
    [Events.RequiresRole(Events.ClientRole.Reader)]
    Task<BalanceView> GetBalanceAsync(CancellationToken cancellationToken = default);

    /// <summary>Events of this region's copy of the log from <paramref name="fromPosition"/> (1-based), at most <paramref name="maxCount"/>.</summary>
    [Alias("statement")]
    [Events.RequiresRole(Events.ClientRole.Reader)]
    Task<Statement> GetStatementAsync(long fromPosition = 1, int maxCount = 100, CancellationToken cancellationToken = default);
}
