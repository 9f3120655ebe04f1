using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Ledger;
using Concord.Grains.Storage;

namespace Concord.Simulation;

/// <summary>
/// What must hold once a run is healed and quiet: equal digests and byte-identical state everywhere, every log in
/// causal order, every acknowledged request applied exactly once and every refused one nowhere, each account's balance
/// and totals equal to its acknowledged history, I1, I2 and every owed apology appended exactly once (I6).
/// </summary>
internal static class QuiescenceChecks
{
    public static string? Run(Simulation sim)
    {
        var check = sim.Scheduler.Start(() => RunAsync(sim));
        sim.Scheduler.RunUntilIdle();
        return check.IsCompletedSuccessfully ? check.Result : $"a check threw {check.Exception?.GetBaseException()}";
    }

    /// <summary>"; sequence reused: ..." for the first (entity, origin, seq) two regions hold different events at, or empty.</summary>
    public static string ForkOf(Simulation sim)
    {
        var scan = sim.Scheduler.Start(async () =>
        {
            var seen = new Dictionary<(string, string, long), (string Region, ChainHash Hash)>();
            foreach (var region in sim.Regions.Values)
            {
                foreach (var account in sim.Accounts)
                {
                    foreach (var logged in await LogFollower.ReadAllAsync(region.Store, account, CancellationToken.None))
                    {
                        var e = logged.Event;
                        if (seen.TryGetValue((account, e.Origin, e.Seq), out var first) && first.Hash != e.Hash)
                        {
                            return $"; sequence reused: {first.Region} and {region.Name} hold different events {e.Id}";
                        }

                        seen.TryAdd((account, e.Origin, e.Seq), (region.Name, e.Hash));
                    }
                }
            }

            return string.Empty;
        });
        sim.Scheduler.RunUntilIdle();
        return scan.Result;
    }

    private static async Task<string?> RunAsync(Simulation sim)
    {
        // A request refused after a lost answer took effect or not: the first region's log says which, and every other must agree.
        var first = sim.Regions.Values.First();
        foreach (var op in sim.Ops.Where(o => o.Outcome == Outcome.Acknowledged && sim.LostWithFailover.Contains((o.Account, o.RequestId))))
        {
            // Acknowledged, then lost with the failover before it reached any peer: it may be gone, the same everywhere.
            op.Outcome = Outcome.Unknown;
        }

        foreach (var op in sim.Ops.Where(o => o.Outcome == Outcome.Unknown))
        {
            op.ResolvedApplied = (await first.ReplicaAsync(op.Account)).TryGetDecision(op.RequestId, out _);
        }

        var expected = Expected(sim.Ops);
        var opsOf = sim.Ops.ToLookup(o => o.Account, StringComparer.Ordinal);
        var optimisticallyDebited = sim.Ops.Where(o => o.Kind == OpKind.OptimisticTransfer && o.Outcome != Outcome.Refused).Select(o => o.Account).ToHashSet(StringComparer.Ordinal);
        List<string>? reference = null;
        foreach (var region in sim.Regions.Values)
        {
            var states = new List<string>();
            long sum = 0;
            foreach (var account in sim.Accounts)
            {
                var log = await LogFollower.ReadAllAsync(region.Store, account, CancellationToken.None);
                if (CausalViolation(log) is { } violation)
                {
                    return $"{region.Name}: {violation}";
                }

                var fold = AccountType.FoldOf(account, log);
                var live = (await region.ReplicaAsync(account)).State;
                if (PayloadTypes.CanonicalOf(live) != PayloadTypes.CanonicalOf(fold.State))
                {
                    return $"{region.Name}: the live replica of {account} differs from a fold of its log";
                }

                var (balance, deposited, credited, debited, paidOut) = expected.TryGetValue(account, out var e) ? e : default;
                var totals = fold.State.Totals;
                if (fold.State.Balance != balance || totals.Deposited != deposited || totals.Credited != credited || totals.Debited != debited || totals.PaidOut != paidOut)
                {
                    return $"{region.Name}: {account} holds balance {fold.State.Balance} (deposited {totals.Deposited}, credited {totals.Credited}, debited {totals.Debited}, paid out {totals.PaidOut}); its acknowledged history gives {balance} ({deposited}, {credited}, {debited}, {paidOut})";
                }

                if (!optimisticallyDebited.Contains(account) && fold.State.LowestBalance < 0)
                {
                    return $"{region.Name}: I1 broken: {account} saw only strict debits and reached {fold.State.LowestBalance}";
                }

                var atHome = region.HomeOf(account) == region.Name;
                var audit = sim.AccountRuntime.FoldForAudit(account, log, atHome);
                if (audit.Violations.Count > 0 || audit.OwedApologies.Count > 0)
                {
                    TraceLog(sim, region, log);
                    return $"{region.Name}: {account} has violations [{string.Join("; ", audit.Violations)}] and unappended apologies [{string.Join("; ", audit.OwedApologies)}] (I6)";
                }

                var apologies = log.Where(l => l.Event.Payload is OverdraftApology).ToList();
                if (apologies.Select(l => l.Event.RequestId).Distinct(StringComparer.Ordinal).Count() != apologies.Count)
                {
                    return $"{region.Name}: {account} holds {apologies.Count} apology events for fewer apologies (I6: exactly once)";
                }

                foreach (var op in opsOf[account])
                {
                    var applied = fold.TryGetRequest(op.RequestId, out _);
                    if (Applied(op) != applied)
                    {
                        return $"{region.Name}: {op} was {op.Outcome} but {(applied ? "took effect" : "is missing")} (I4)";
                    }
                }

                sum += fold.State.Balance;
                states.Add(Convergent(PayloadTypes.CanonicalOf(fold.State)));
            }

            var net = sim.Ops.Where(Applied).Sum(o => o.Kind == OpKind.Deposit ? o.Amount : o.Kind == OpKind.Payout ? -o.Amount : 0);
            if (sum != net)
            {
                return $"{region.Name}: I2 broken: balances sum to {sum}, deposits minus payouts to {net}";
            }

            reference ??= states;
            for (var i = 0; i < states.Count; i++)
            {
                if (!string.Equals(states[i], reference[i], StringComparison.Ordinal))
                {
                    return $"{region.Name}: {sim.Accounts[i]} differs from {first.Name}'s (I5): {states[i]} against {reference[i]}";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// An account's state without what an overdraft's path leaves in it (the debits behind the open overdraft, and
    /// whether it is open), which depends on the order its region applied concurrent events in: only home reads them,
    /// for an apology's causes, so no decision diverges. For an account that ends at or above zero both are empty
    /// everywhere. docs/reliability.md (finding 2) records it. Every other field must be identical.
    /// </summary>
    private static string Convergent(string canonicalState)
    {
        var state = System.Text.Json.Nodes.JsonNode.Parse(canonicalState)!.AsObject();
        foreach (var observation in OrderDependentObservations)
        {
            state.Remove(observation);
        }

        return state.ToJsonString();
    }

    private static void TraceLog(Simulation sim, SimulatedRegion region, IReadOnlyList<LoggedEvent> log)
    {
        foreach (var logged in log)
        {
            var e = logged.Event;
            sim.Trace($"  {region.Name} log {logged.Position}: {e.Id} {e.RequestId} {e.Payload.Kind} {e.Payload} deps {e.Deps} hlc {e.Hlc.PhysicalMs}.{e.Hlc.Counter}");
        }
    }

    private static readonly string[] OrderDependentObservations = ["RecentDebits", "OverdraftOpen"];

    /// <summary>Per account: balance and totals from the requests that took effect (acknowledged, or unknown and found applied).</summary>
    private static Dictionary<string, (long Balance, long Deposited, long Credited, long Debited, long PaidOut)> Expected(IReadOnlyList<ClientOp> ops)
    {
        var expected = new Dictionary<string, (long Balance, long Deposited, long Credited, long Debited, long PaidOut)>(StringComparer.Ordinal);
        void Add(string account, long deposited, long credited, long debited, long paidOut)
        {
            var (b, d, c, x, p) = expected.TryGetValue(account, out var e) ? e : default;
            expected[account] = (b + deposited + credited - debited - paidOut, d + deposited, c + credited, x + debited, p + paidOut);
        }

        foreach (var op in ops.Where(Applied))
        {
            switch (op.Kind)
            {
                case OpKind.Deposit:
                    Add(op.Account, op.Amount, 0, 0, 0);
                    break;
                case OpKind.Payout:
                    Add(op.Account, 0, 0, 0, op.Amount);
                    break;
                default:
                    Add(op.Account, 0, 0, op.Amount, 0);
                    Add(op.To, 0, op.Amount, 0, 0);
                    break;
            }
        }

        return expected;
    }

    private static bool Applied(ClientOp op) => op.Outcome == Outcome.Acknowledged || op.Outcome == Outcome.Unknown && op.ResolvedApplied;

    /// <summary>The first event applied before one of its dependencies of another origin, if any.</summary>
    private static string? CausalViolation(IReadOnlyList<LoggedEvent> log)
    {
        var version = VersionVector.Empty;
        foreach (var logged in log)
        {
            var e = logged.Event;
            foreach (var dep in e.Deps.Entries)
            {
                if (dep.Origin != e.Origin && version[dep.Origin] < dep.Seq)
                {
                    return $"{e.Id} at position {logged.Position} was applied before {dep.Origin}:{dep.Seq}, which it depends on";
                }
            }

            version = version.With(e.Origin, e.Seq);
        }

        return null;
    }
}
