using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Ledger;

[GenerateSerializer, Immutable, Alias("concord.ledger.deposit-command")]
public sealed record DepositCommand(
    [property: Id(0)] string RequestId,
    [property: Id(1)] decimal Amount,
    [property: Id(2)] ConsistencyMode Mode = ConsistencyMode.Optimistic);

[GenerateSerializer, Immutable, Alias("concord.ledger.transfer-command")]
public sealed record TransferCommand(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string To,
    [property: Id(2)] decimal Amount,
    [property: Id(3)] ConsistencyMode Mode = ConsistencyMode.Optimistic);

[GenerateSerializer, Immutable, Alias("concord.ledger.payout-command")]
public sealed record PayoutCommand(
    [property: Id(0)] string RequestId,
    [property: Id(1)] decimal Amount);

/// <summary>
/// What a region answers once a command's event is durably in its log. <see cref="Replayed"/> is true when
/// the request id had already taken effect and this is the original outcome returned again.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.write-receipt")]
public sealed record WriteReceipt(
    [property: Id(0)] EventId EventId,
    [property: Id(1)] long Position,
    [property: Id(2)] bool Replayed = false);
