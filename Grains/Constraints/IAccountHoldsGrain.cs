using System.Collections.Immutable;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Constraints;

/// <summary>
/// The durable holds on one account (the grain key), kept in Orleans transactional state at the account's
/// home region. A hold is placed inside a batch transfer's transaction and settled after it commits: the
/// account appends the held debits (idempotently) and the hold is removed. A hold that committed but was
/// never settled, because a process died in between, is settled when the account next activates.
/// </summary>
[Alias("concord.IAccountHoldsGrain")]
public interface IAccountHoldsGrain : IGrainWithStringKey
{
    /// <summary>Reserves the legs' total on the account (refused with InsufficientFundsException) and records the hold.</summary>
    [Transaction(TransactionOption.Join)]
    [Alias("place")]
    Task PlaceAsync(string batchId, ImmutableArray<HeldLeg> legs);

    [Transaction(TransactionOption.CreateOrJoin)]
    [Alias("outstanding")]
    Task<ImmutableDictionary<string, ImmutableArray<HeldLeg>>> GetOutstandingAsync();

    /// <summary>After an aborted transaction: drops the account's reservation unless a committed hold still needs it.</summary>
    [Transaction(TransactionOption.CreateOrJoin)]
    [Alias("release-unheld")]
    Task ReleaseUnheldReservationAsync(string batchId);

    /// <summary>Appends the held debits on the account and removes the hold. Safe to repeat.</summary>
    [Transaction(TransactionOption.CreateOrJoin)]
    [Alias("settle")]
    Task<ImmutableArray<WriteReceipt>> SettleAsync(string batchId);
}

/// <summary>One leg of a held batch: the debit's request id on the source, its destination and amount (minor units).</summary>
[GenerateSerializer, Immutable, Alias("concord.constraints.held-leg")]
public sealed record HeldLeg(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string To,
    [property: Id(2)] long Amount);

[GenerateSerializer, Alias("concord.constraints.hold-book")]
public sealed class HoldBook
{
    [Id(0)]
    public Dictionary<string, ImmutableArray<HeldLeg>> Batches { get; set; } = new(StringComparer.Ordinal);
}
