using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Ledger;

/// <summary>
/// The incoming side of a transfer, called by the transfer processor of the source account. Internal to
/// the silo: the account verifies that <see cref="TransferCredit.DebitId"/> really is a matching debit in
/// this region's log before it credits anything.
/// </summary>
[Alias("concord.ITransferCreditSink")]
public interface ITransferCreditSink : IGrainWithStringKey
{
    /// <summary>Credits the destination once per transfer, however often it is called.</summary>
    [Alias("credit")]
    Task<WriteReceipt> CreditAsync(TransferCredit credit, CancellationToken cancellationToken = default);
}

[GenerateSerializer, Immutable, Alias("concord.ledger.transfer-credit")]
public sealed record TransferCredit(
    [property: Id(0)] EventId DebitId,
    [property: Id(1)] string RequestId,
    [property: Id(2)] long Amount)
{
    /// <summary>
    /// The request id of the credit on the destination: unique per (source, transfer request id), and
    /// free of collisions with client request ids because those cannot contain <c>/</c>.
    /// </summary>
    public string CreditRequestId => CreditRequestIdFor(DebitId.EntityId, RequestId);

    public static string CreditRequestIdFor(string sourceAccount, string transferRequestId) => $"{sourceAccount}/{transferRequestId}";
}
