using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Constraints;

/// <summary>The account's side of holds: reservations that ordinary debits respect, and the debits a settled hold appends.</summary>
[Alias("concord.IHeldDebitSink")]
public interface IHeldDebitSink : IGrainWithStringKey
{
    /// <summary>Reserves <paramref name="amount"/> for a batch, or throws InsufficientFundsException. Idempotent per batch.</summary>
    [Alias("reserve")]
    Task ReserveAsync(string batchId, long amount);

    /// <summary>Drops a batch's reservation (its transaction aborted).</summary>
    [Alias("release")]
    Task ReleaseAsync(string batchId);

    /// <summary>Appends a held leg's debit once, drawing on the batch's reservation rather than re-checking the balance.</summary>
    [Alias("apply-held")]
    Task<WriteReceipt> ApplyHeldDebitAsync(string batchId, HeldLeg leg);
}
