using Concord.Grains.Entities;
using Concord.Grains.Handles;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Ledger;
using Concord.Grains.Storage;
using Concord.Samples.Venues;

namespace Concord.Simulation;

/// <summary>
/// What must hold once a run is healed and quiet, for every entity of every type: equal digests and byte-identical
/// state everywhere, every log in causal order, the live replica equal to a fold of its log, every acknowledged request
/// applied exactly once and every refused one nowhere (I4), the type's invariants, every owed apology appended exactly
/// once (I6); then what each type's acknowledged history says it must hold (<see cref="LedgerExpectations"/> with I1
/// and I2, <see cref="HandleExpectations"/> with I3, <see cref="VenueExpectations"/>).
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
                foreach (var entityId in sim.Entities.All)
                {
                    foreach (var logged in await LogFollower.ReadAllAsync(region.Store, entityId, CancellationToken.None))
                    {
                        var e = logged.Event;
                        if (seen.TryGetValue((entityId, e.Origin, e.Seq), out var first) && first.Hash != e.Hash)
                        {
                            return $"; sequence reused: {first.Region} and {region.Name} hold different events {e.Id}";
                        }

                        seen.TryAdd((entityId, e.Origin, e.Seq), (region.Name, e.Hash));
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
        foreach (var op in sim.Ops.Where(o => o.Outcome == Outcome.Acknowledged && sim.LostWithFailover.Contains((o.EntityId, o.RequestId))))
        {
            // Acknowledged, then lost with the failover before it reached any peer: it may be gone, the same everywhere.
            op.Outcome = Outcome.Unknown;
        }

        foreach (var op in sim.Ops.Where(o => o.Outcome == Outcome.Unknown))
        {
            op.ResolvedApplied = (await first.ReplicaAsync(op.EntityId)).TryGetDecision(op.RequestId, out _);
        }

        var ledger = new LedgerExpectations(sim.Ops);
        var opsOf = sim.Ops.ToLookup(o => o.EntityId, StringComparer.Ordinal);
        var entities = sim.Entities.All.ToList();
        List<string>? reference = null;
        foreach (var region in sim.Regions.Values)
        {
            var states = new List<string>();
            long sum = 0;
            foreach (var entityId in entities)
            {
                var log = await LogFollower.ReadAllAsync(region.Store, entityId, CancellationToken.None);
                var type = sim.Types.Of(entityId, out _);
                var audit = type.FoldForAudit(entityId, log, atHome: region.HomeOf(entityId) == region.Name);
                var live = await region.ReplicaAsync(entityId);
                var account = type is EntityTypeRuntime<AccountState> ? AccountType.FoldOf(entityId, log).State : null;
                var failure = CausalViolation(log) is { } violation ? $"{region.Name}: {violation}"
                    : live.CanonicalState != audit.CanonicalState ? $"{region.Name}: the live replica of {entityId} differs from a fold of its log: {live.CanonicalState} against {audit.CanonicalState}"
                    : audit.Violations.Count > 0 || audit.OwedApologies.Count > 0 ? $"{region.Name}: {entityId} has violations [{string.Join("; ", audit.Violations)}] and unappended apologies [{string.Join("; ", audit.OwedApologies)}] (I6)"
                    : ApologisedTwice(log) is { } twice ? $"{region.Name}: {entityId} holds apology {twice} more than once (I6: exactly once)"
                    : opsOf[entityId].FirstOrDefault(o => o.Applied != live.TryGetDecision(o.RequestId, out _)) is { } wrong ? $"{region.Name}: {wrong} was {wrong.Outcome} but {(wrong.Applied ? "is missing" : "took effect")} (I4)"
                    : type switch
                    {
                        EntityTypeRuntime<AccountState> => ledger.Check(region.Name, entityId, account!),
                        EntityTypeRuntime<HandleState> handles => HandleExpectations.Check(region.Name, entityId, SimulatedTypes.FoldOf(handles, entityId, log), opsOf[entityId], log),
                        EntityTypeRuntime<VenueState> venues => VenueExpectations.Check(region.Name, entityId, SimulatedTypes.FoldOf(venues, entityId, log), opsOf[entityId], hold => Bumps(venues, entityId, log, hold)),
                        _ => $"no expectations for {type.Name}",
                    };
                if (failure is not null)
                {
                    TraceLog(sim, region, log);
                    return failure;
                }

                sum += account?.Balance ?? 0;
                states.Add(audit.CanonicalState);
            }

            if (sum != ledger.Net)
            {
                return $"{region.Name}: I2 broken: balances sum to {sum}, deposits minus payouts to {ledger.Net}";
            }

            reference ??= states;
            for (var i = 0; i < states.Count; i++)
            {
                if (!string.Equals(states[i], reference[i], StringComparison.Ordinal))
                {
                    return $"{region.Name}: {entities[i]} differs from {first.Name}'s (I5): {states[i]} against {reference[i]}";
                }
            }
        }

        return null;
    }

    /// <summary>The first apology a log holds more than one event for, if any.</summary>
    private static string? ApologisedTwice(IReadOnlyList<LoggedEvent> log) =>
        log.Where(l => ApologyRequests.IsApology(l.Event)).GroupBy(l => l.Event.RequestId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;

    private static int Bumps(EntityTypeRuntime<VenueState> venues, string venue, IReadOnlyList<LoggedEvent> log, string holdId) =>
        log.Count(l => venues.Payloads.ValueOf(l.Event.Payload, venue) is HoldBumped bumped && bumped.HoldId == holdId);

    private static void TraceLog(Simulation sim, SimulatedRegion region, IReadOnlyList<LoggedEvent> log)
    {
        foreach (var logged in log)
        {
            var e = logged.Event;
            sim.Trace($"  {region.Name} log {logged.Position}: {e.Id} {e.RequestId} {e.Payload.Kind} {e.Payload} deps {e.Deps} hlc {e.Hlc.PhysicalMs}.{e.Hlc.Counter}");
        }
    }

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
