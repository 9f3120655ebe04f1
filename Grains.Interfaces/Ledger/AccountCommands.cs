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

/// <summary>A two-phase hold: <see cref="RequestId"/> is also the hold's id; it expires <see cref="ExpiresIn"/> after it is placed.</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.hold-command")]
public sealed record HoldCommand(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string To,
    [property: Id(2)] decimal Amount,
    [property: Id(3)] TimeSpan ExpiresIn);

/// <summary>Posts <see cref="Amount"/> of hold <see cref="HoldId"/> (null: all of it).</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.capture-command")]
public sealed record CaptureCommand(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string HoldId,
    [property: Id(2)] decimal? Amount = null);

[GenerateSerializer, Immutable, Alias("concord.ledger.void-command")]
public sealed record VoidCommand(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string HoldId);

/// <summary>
/// What a region answers once a command's event is durably in its log. <see cref="Replayed"/> is true when
/// the request id had already taken effect and this is the original outcome returned again.
/// </summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.write-receipt")]
public sealed record WriteReceipt(
    [property: Id(0)] EventId EventId,
    [property: Id(1)] long Position,
    [property: Id(2)] bool Replayed = false);
