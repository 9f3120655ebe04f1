using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Ledger;

/// <summary>A payload's outgoing transfer leg, whose credit on <see cref="To"/> the source account's home region derives: a transfer's debit or a hold's capture.</summary>
internal readonly record struct OutgoingTransfer(string To, long Amount)
{
    public static OutgoingTransfer? Of(EventPayload payload) => payload switch
    {
        Debited d => new OutgoingTransfer(d.To, d.Amount),
        HoldCaptured c => new OutgoingTransfer(c.To, c.Amount),
        _ => null,
    };
}
