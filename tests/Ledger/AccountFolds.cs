using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Ledger;

namespace Concord.Tests.Ledger;

/// <summary>Folds of account logs as the grain makes them, and the part of a fold every region must agree on.</summary>
internal static class AccountFolds
{
    /// <summary>Applies events in order, refolding the whole log when a request's winner arrives after its loser (as the grain does).</summary>
    public static EntityFold<AccountState> Fold(IEnumerable<EventEnvelope> events)
    {
        var fold = AccountType.NewFold("acc");
        var log = new List<LoggedEvent>();
        var refold = false;
        foreach (var e in events)
        {
            var logged = new LoggedEvent(log.Count + 1, e);
            log.Add(logged);
            refold |= !fold.Apply(logged);
        }

        return refold ? AccountType.FoldOf("acc", log) : fold;
    }

    /// <summary>
    /// Totals, apologies, the window of latest debits, chain heads and the winning event of every request: a function
    /// of the set of events. Left out: the lowest balance, which follows the log's order for an account whose strict
    /// debits were not covered (an I1 breach, which these histories of random payouts make), and positions, which are
    /// region-local. <see cref="OverdraftApologyFoldTests"/> compares whole states where I1 holds.
    /// </summary>
    public static string Convergent(EntityFold<AccountState> fold)
    {
        var snapshot = fold.ToSnapshot();
        return string.Join(
            "|",
            fold.State.Totals,
            fold.State.Apologies,
            string.Join(",", fold.State.DebitWindow.Select(d => d.Id)),
            string.Join(",", fold.State.LatestDebits.Select(d => $"{d.Key}={d.Value}")),
            fold.State.LastApology?.Hlc,
            string.Join(",", snapshot.Heads.Select(h => $"{h.Origin}:{h.Seq}:{h.Hash}")),
            string.Join(",", snapshot.Requests.Select(r => $"{r.RequestId}={r.Event}")));
    }
}
