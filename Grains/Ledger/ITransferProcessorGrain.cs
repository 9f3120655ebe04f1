namespace Concord.Grains.Ledger;

/// <summary>
/// Derives the credits of one source account's transfers from its log, exactly once by request id.
/// Fed by the account's stream; the account re-drives it until it has caught up with the log.
/// </summary>
[Alias("concord.ITransferProcessorGrain")]
public interface ITransferProcessorGrain : IGrainWithStringKey
{
    /// <summary>Processes the log through <paramref name="throughPosition"/>; returns the position processed so far.</summary>
    [Alias("catch-up")]
    Task<long> CatchUpAsync(long throughPosition, CancellationToken cancellationToken = default);
}
