using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Ledger;

/// <summary>Turns logged ledger events into statement lines people can read.</summary>
internal static class StatementLines
{
    public static StatementLine From(LoggedEvent logged, bool isVoid)
    {
        var e = logged.Event;
        var (kind, amount, counterparty) = e.Payload switch
        {
            Deposited d => ("deposit", d.Amount, (string?)null),
            Credited c => ("transfer-in", c.Amount, c.From),
            Debited d => ("transfer-out", -d.Amount, d.To),
            PaidOut p => ("payout", -p.Amount, null),
            OverdraftApology => ("apology", 0L, null),
            HoldPlaced h => ("hold", 0L, h.To),
            HoldCaptured c => ("hold-capture", -c.Amount, c.To),
            HoldReleased r => (r.Expired ? "hold-expiry" : "hold-void", 0L, null),
            var other => (other.Kind, 0L, null),
        };
        return new StatementLine(logged.Position, e.Id, e.RequestId, e.Hlc, kind, Money.ToDecimal(amount), counterparty, isVoid);
    }
}
