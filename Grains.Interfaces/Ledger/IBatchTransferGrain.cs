using System.Collections.Immutable;

namespace Concord.Grains.Interfaces.Ledger;

/// <summary>
/// Atomic multi-debit transfers: every leg or none. All source accounts must be homed in one region; the
/// legs are decided there in one small Orleans transaction that places a hold on each source. Use key 0.
/// </summary>
[Alias("concord.IBatchTransferGrain")]
public interface IBatchTransferGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Debits every leg's source and credits its destination (asynchronously, exactly once), or changes
    /// nothing: <see cref="Errors.InsufficientFundsException"/> when a source cannot cover its legs,
    /// <see cref="Errors.InvalidRequestException"/> for bad legs or sources homed in different regions,
    /// <see cref="Errors.CoordinationUnavailableException"/> when the sources' home region is unreachable.
    /// </summary>
    [Alias("transfer")]
    Task<BatchReceipt> TransferAsync(BatchTransferCommand command, CancellationToken cancellationToken = default);
}

[GenerateSerializer, Immutable, Alias("concord.ledger.batch-transfer-command")]
public sealed record BatchTransferCommand(
    [property: Id(0)] string RequestId,
    [property: Id(1)] ImmutableArray<TransferLeg> Legs);

[GenerateSerializer, Immutable, Alias("concord.ledger.transfer-leg")]
public sealed record TransferLeg(
    [property: Id(0)] string From,
    [property: Id(1)] string To,
    [property: Id(2)] decimal Amount);

/// <summary>The debit of each leg, in the order of the legs. <see cref="Replayed"/> when the batch had already taken effect.</summary>
[GenerateSerializer, Immutable, Alias("concord.ledger.batch-receipt")]
public sealed record BatchReceipt(
    [property: Id(0)] ImmutableArray<WriteReceipt> Debits,
    [property: Id(1)] bool Replayed);
