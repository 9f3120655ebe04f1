using Concord.Grains.Ledger;

namespace Concord.Simulation;

/// <summary>
/// What the acknowledged history says each account must hold: its balance and every total, per account (not only
/// their sum); I1 for accounts that only ever saw strict debits; I2 over a region's accounts.
/// </summary>
internal sealed class LedgerExpectations
{
    private readonly Dictionary<string, (long Balance, long Deposited, long Credited, long Debited, long PaidOut)> _expected = new(StringComparer.Ordinal);
    private readonly HashSet<string> _optimisticallyDebited;

    public LedgerExpectations(IReadOnlyList<ClientOp> ops)
    {
        foreach (var op in ops.Where(o => o.IsLedger && o.Applied))
        {
            switch (op.Kind)
            {
                case OpKind.Deposit:
                    Add(op.EntityId, op.Amount, 0, 0, 0);
                    break;
                case OpKind.Payout:
                    Add(op.EntityId, 0, 0, 0, op.Amount);
                    break;
                default:
                    Add(op.EntityId, 0, 0, op.Amount, 0);
                    Add(op.Subject, 0, op.Amount, 0, 0);
                    break;
            }
        }

        _optimisticallyDebited = ops.Where(o => o.Kind == OpKind.OptimisticTransfer && o.Outcome != Outcome.Refused).Select(o => o.EntityId).ToHashSet(StringComparer.Ordinal);
        Net = ops.Where(o => o.Applied).Sum(o => o.Kind == OpKind.Deposit ? o.Amount : o.Kind == OpKind.Payout ? -o.Amount : 0);
    }

    /// <summary>Deposits minus payouts that took effect: what the balances of every region must sum to (I2).</summary>
    public long Net { get; }

    public string? Check(string region, string account, AccountState state)
    {
        var (balance, deposited, credited, debited, paidOut) = _expected.TryGetValue(account, out var e) ? e : default;
        var totals = state.Totals;
        if (state.Balance != balance || totals.Deposited != deposited || totals.Credited != credited || totals.Debited != debited || totals.PaidOut != paidOut)
        {
            return $"{region}: {account} holds balance {state.Balance} (deposited {totals.Deposited}, credited {totals.Credited}, debited {totals.Debited}, paid out {totals.PaidOut}); its acknowledged history gives {balance} ({deposited}, {credited}, {debited}, {paidOut})";
        }

        return !_optimisticallyDebited.Contains(account) && state.LowestBalance < 0
            ? $"{region}: I1 broken: {account} saw only strict debits and reached {state.LowestBalance}"
            : null;
    }

    private void Add(string account, long deposited, long credited, long debited, long paidOut)
    {
        var (b, d, c, x, p) = _expected.TryGetValue(account, out var e) ? e : default;
        _expected[account] = (b + deposited + credited - debited - paidOut, d + deposited, c + credited, x + debited, p + paidOut);
    }
}
