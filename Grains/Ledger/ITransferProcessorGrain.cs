using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;
using Orleans.Concurrency;

namespace Concord.Grains.Ledger;

/// <summary>
/// Derives the credits of one source account's transfers from its log, exactly once by request id, in the account's
/// home region. Fed by the account with the debits it commits; the account re-drives it until it has caught up with
/// the log.
/// </summary>
[Alias("concord.ITransferProcessorGrain")]
public interface ITransferProcessorGrain : IGrainWithStringKey
{
    /// <summary>Processes the log through <paramref name="throughPosition"/>; returns the position processed so far.</summary>
    [Alias("catch-up")]
    Task<long> CatchUpAsync(long throughPosition, CancellationToken cancellationToken = default);

    /// <summary>
    /// The fast path: the debits of a range of the account's log whose other events need no processing. One-way; what
    /// it loses, the account's repair pass finds and re-drives through <see cref="CatchUpAsync"/>.
    /// </summary>
    [Alias("debits-appended"), OneWay]
    Task DebitsAppendedAsync(TransferDebits appended);
}

/// <summary>
/// Every transfer debit (or hold capture) of the log positions after <see cref="After"/> through <see cref="Through"/>,
/// in position order: the range's other events are no transfer.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.transfer-debits")]
public sealed record TransferDebits(
    [property: Id(0)] long After,
    [property: Id(1)] long Through,
    [property: Id(2)] ImmutableArray<LoggedEvent> Debits);
