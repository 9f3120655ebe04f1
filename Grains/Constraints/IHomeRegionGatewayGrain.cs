using Concord.Grains.Handles;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Constraints;

/// <summary>
/// A region's entry point for strict debits forwarded by other regions: it hands them to the account's
/// replica here, at the account's home, where they are decided one at a time (I1).
/// </summary>
[Alias("concord.IHomeRegionGatewayGrain")]
public interface IHomeRegionGatewayGrain : IGrainWithIntegerKey
{
    [Alias("debit")]
    Task<ForwardedDebitResult> DebitAsync(ForwardedDebit debit, CancellationToken cancellationToken = default);

    /// <summary>Decides a batch transfer forwarded by another region; refused if this is not its home.</summary>
    [Alias("batch")]
    Task<BatchReceipt> BatchAsync(BatchTransferCommand command, CancellationToken cancellationToken = default);

    /// <summary>Decides a handle operation forwarded by another region; refused if this is not the handles' primary.</summary>
    [Alias("handle")]
    Task<HandleReceipt> HandleAsync(HandleOperation operation, CancellationToken cancellationToken = default);

    /// <summary>Decides a strict command of a registered entity type forwarded by another region.</summary>
    [Alias("command")]
    Task<Entities.ForwardedCommandResult> CommandAsync(Entities.ForwardedCommand command, CancellationToken cancellationToken = default);
}

/// <summary>A strict transfer or payout forwarded to the account's home region. Exactly one of the commands is set.</summary>
[GenerateSerializer, Immutable, Alias("concord.constraints.forwarded-debit")]
public sealed record ForwardedDebit(
    [property: Id(0)] string Account,
    [property: Id(1)] string FromRegion,
    [property: Id(2)] TransferCommand? Transfer,
    [property: Id(3)] PayoutCommand? Payout);

/// <summary>The home region's receipt, with the event it appended so the forwarding region can apply it at once.</summary>
[GenerateSerializer, Immutable, Alias("concord.constraints.forwarded-debit-result")]
public sealed record ForwardedDebitResult(
    [property: Id(0)] WriteReceipt Receipt,
    [property: Id(1)] EventEnvelope? Event);
