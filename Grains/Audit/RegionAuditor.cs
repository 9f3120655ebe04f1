using System.Collections.Immutable;
using System.Diagnostics;
using Concord.Grains.Entities;
using Concord.Grains.Handles;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Ledger;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EventId = Concord.Grains.Interfaces.Events.EventId;

namespace Concord.Grains.Audit;

/// <summary>
/// Audits one region from its logs up: the logs are re-verified first (every hash recomputed, every chain
/// link checked), then everything derived from them is recomputed and compared. Entities are read a page
/// at a time, so memory stays bounded by the largest single log.
/// </summary>
public sealed partial class RegionAuditor(
    IEventLogStore store,
    IGrainFactory grains,
    IServiceProvider services,
    IOptions<ConcordOptions> options,
    TimeProvider time,
    ILogger<RegionAuditor> logger)
{
    private const int EntityPage = 256;
    private const int EventPage = 1000;
    private readonly ILogger<RegionAuditor> _logger = logger;

    public async Task<AuditReport> RunAsync(AuditRequest request, IProgress<AuditProgress>? progress, CancellationToken cancellationToken)
    {
        var region = options.Value.Region;
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var findings = ImmutableArray.CreateBuilder<AuditFinding>();
        var unreachable = new SortedSet<string>(StringComparer.Ordinal);
        long entities = 0, events = 0, chains = 0;
        var recomputed = RegionTotals.Zero;
        string? after = null;
        while (true)
        {
            var page = await store.ListEntitiesAsync(after, EntityPage, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            after = page[^1];
            var verifiedHeads = new Dictionary<string, Dictionary<string, (long Seq, ChainHash Hash)>>(StringComparer.Ordinal);
            foreach (var entity in page.Where(e => IsSampled(e, request)))
            {
                var result = await AuditEntityAsync(region, entity, findings, cancellationToken);
                entities++;
                events += result.Events;
                chains += result.Chains;
                recomputed = recomputed.Add(result.Totals);
                if (result.Heads is { } heads)
                {
                    verifiedHeads[entity] = heads;
                }
            }

            await CompareWithPeersAsync(region, verifiedHeads, findings, unreachable, cancellationToken);

            LogProgress(region, entities, events, findings.Count);
            progress?.Report(new AuditProgress(true, entities, events, findings.Count));
        }

        if (request.SampleFraction >= 1.0)
        {
            await AuditTotalsAsync(region, recomputed, findings, cancellationToken);
            await AuditCheckpointsAsync(region, findings, unreachable, cancellationToken);
        }

        return new AuditReport(region, started, clock.Elapsed, request.SampleFraction, entities, events, chains, findings.ToImmutable(), [.. unreachable]);
    }

    /// <summary>
    /// Asks every peer for the chain heads of the entities just verified here. Where both regions hold an
    /// origin's event at the same seq, the hashes must agree; if they do not, one history was forked or
    /// rewritten. A peer that does not answer is listed in the report, not counted as a finding.
    /// </summary>
    private async Task CompareWithPeersAsync(
        string region,
        Dictionary<string, Dictionary<string, (long Seq, ChainHash Hash)>> verified,
        ImmutableArray<AuditFinding>.Builder findings,
        SortedSet<string> unreachable,
        CancellationToken cancellationToken)
    {
        if (verified.Count == 0 || !options.Value.Peers.Any() || services.GetService<IRegionLinkFactory>() is null)
        {
            return;
        }

        var links = services.GetRequiredService<RegionLinks>();
        foreach (var peer in options.Value.Peers)
        {
            ImmutableArray<EntityHeads> theirs;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.LinkCallTimeout);
                theirs = await links.Get(peer).GetHeadsAsync([.. verified.Keys], timeout.Token);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogPeerUnreachable(region, peer, ex.GetBaseException().Message);
                unreachable.Add(peer);
                continue;
            }

            foreach (var entity in theirs)
            {
                var ours = verified[entity.EntityId];
                foreach (var head in entity.Heads)
                {
                    if (!ours.TryGetValue(head.Origin, out var local) || local.Seq < head.Seq)
                    {
                        continue;
                    }

                    var mine = local.Seq == head.Seq ? (Hash: local.Hash, Position: (long?)null) : await HashAtAsync(entity.EntityId, head.Origin, head.Seq, cancellationToken);
                    if (mine.Hash != head.Hash)
                    {
                        var position = mine.Position ?? (await store.FindAsync(new EventId(entity.EntityId, head.Origin, head.Seq), cancellationToken))?.Position;
                        findings.Add(new AuditFinding(region, entity.EntityId, AuditFindingKinds.Divergent, position,
                            $"region {peer} holds a different {head.Origin}#{head.Seq} ({head.Hash}) than this region ({mine.Hash}): a forked or rewritten history"));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Gathers every region's signed checkpoints, as this region and each peer hold them, re-verifies every
    /// signature, and reports any signer that signed two different roots for one feed position: it showed
    /// different histories to different regions.
    /// </summary>
    private async Task AuditCheckpointsAsync(string region, ImmutableArray<AuditFinding>.Builder findings, SortedSet<string> unreachable, CancellationToken cancellationToken)
    {
        var signer = services.GetRequiredService<CheckpointSigner>();
        var book = services.GetRequiredService<CheckpointBook>();
        await book.RefreshAsync(includeEvidence: true, cancellationToken);
        var links = services.GetService<IRegionLinkFactory>() is null ? null : services.GetRequiredService<RegionLinks>();
        foreach (var origin in options.Value.EffectiveRegions)
        {
            var held = book.Of(origin).Select(c => (Holder: region, Checkpoint: c)).ToList();
            foreach (var peer in links is null ? [] : options.Value.Peers.Where(p => !unreachable.Contains(p)))
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(options.Value.LinkCallTimeout);
                    held.AddRange((await links!.Get(peer).GetCheckpointsAsync(origin, timeout.Token)).Select(c => (Holder: peer, Checkpoint: c)));
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    LogPeerUnreachable(region, peer, ex.GetBaseException().Message);
                    unreachable.Add(peer);
                }
            }

            foreach (var position in held.Where(h => signer.Verify(h.Checkpoint)).GroupBy(h => h.Checkpoint.FeedPosition))
            {
                var roots = position.GroupBy(h => h.Checkpoint.Root).ToList();
                if (roots.Count > 1)
                {
                    var evidence = string.Join("; ", roots.Select(r => $"{r.Key} held by {string.Join(", ", r.Select(h => h.Holder).Distinct())}"));
                    findings.Add(new AuditFinding(region, $"(checkpoints of {origin})", AuditFindingKinds.Equivocation, position.Key,
                        $"region {origin} signed {roots.Count} different roots for its feed position {position.Key}: {evidence}"));
                }
            }
        }
    }

    private async Task<(ChainHash Hash, long? Position)> HashAtAsync(string entity, string origin, long seq, CancellationToken cancellationToken) =>
        await store.FindAsync(new EventId(entity, origin, seq), cancellationToken) is { } logged ? (logged.Event.Hash, logged.Position) : (default, null);

    private async Task<(long Events, long Chains, RegionTotals Totals, Dictionary<string, (long Seq, ChainHash Hash)>? Heads)> AuditEntityAsync(string region, string entity, ImmutableArray<AuditFinding>.Builder findings, CancellationToken cancellationToken)
    {
        var entityTypes = services.GetRequiredService<EntityTypeRegistry>();
        if (entityTypes.TryResolve(entity, out var type, out var key) || entityTypes.IsUnknownType(entity, out _))
        {
            var registered = await AuditRegisteredEntityAsync(region, entity, type, key, findings, cancellationToken);
            return (registered.Events, registered.Heads?.Count ?? 0, RegionTotals.Zero, registered.Heads);
        }

        var isHandle = HandleEntities.IsHandle(entity, out _);
        var account = isHandle ? null : new AccountState();
        var heads = new Dictionary<string, (long Seq, ChainHash Hash)>(StringComparer.Ordinal);
        var snapshot = isHandle ? null : await grains.GetGrain<IReplicaAuditGrain>(entity).GetStoredSnapshotAsync();
        byte[]? stateAtSnapshot = null;
        long position = 0;
        var requests = new HashSet<(string Origin, string RequestId)>();
        var onlyStrictDebits = true;
        var lowest = 0L;
        while (true)
        {
            var page = await store.ReadAsync(entity, position + 1, EventPage, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var logged in page)
            {
                if (VerifyLink(region, entity, logged, heads, findings) is false)
                {
                    // Nothing after a broken link can be trusted; one finding names the first bad position.
                    return (logged.Position, heads.Count, RegionTotals.Zero, null);
                }

                if (!requests.Add((logged.Event.Origin, logged.Event.RequestId)))
                {
                    // A region decides each request id once; two events of one origin for one request is a double effect.
                    findings.Add(new AuditFinding(region, entity, AuditFindingKinds.InvariantViolated, logged.Position,
                        $"I4: request '{logged.Event.RequestId}' took effect twice at origin {logged.Event.Origin}"));
                }

                account?.Apply(logged);
                position = logged.Position;
                onlyStrictDebits &= logged.Event.Payload is not Debited { Mode: ConsistencyMode.Optimistic };
                lowest = Math.Min(lowest, account?.Balance ?? 0);
                if (snapshot is not null && position == snapshot.Position)
                {
                    stateAtSnapshot = account!.CanonicalState();
                }
            }
        }

        if (account is null)
        {
            if (HandleEntities.IsHandle(entity, out var handle) && string.Equals(options.Value.HandlePrimary, region, StringComparison.Ordinal))
            {
                await AuditHandleAsync(region, entity, handle, findings);
            }

            return (position, heads.Count, RegionTotals.Zero, heads);
        }

        if (snapshot is not null && snapshot.Position > 0
            && (stateAtSnapshot is null || !stateAtSnapshot.AsSpan().SequenceEqual(AccountState.FromSnapshot(snapshot).CanonicalState())))
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.SnapshotMismatch, snapshot.Position, "the stored snapshot differs from a fold of the log up to its position"));
        }

        var replica = await grains.GetGrain<IAccountGrain>(entity).GetBalanceAsync(cancellationToken);
        if (replica.Position == account.Position && (replica.Balance != account.Balance || !replica.Version.Equals(account.Version)))
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.ReplicaMismatch, account.Position,
                $"replica holds {Money.Format(replica.Balance)} at {replica.Version}, the log folds to {Money.Format(account.Balance)} at {account.Version}"));
        }

        await AuditViewAsync(region, entity, account, findings, cancellationToken);

        var home = HomeRegions.OfAccount(entity, options.Value.EffectiveRegions);
        if (string.Equals(home, region, StringComparison.Ordinal) && onlyStrictDebits && lowest < 0)
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.InvariantViolated, null,
                $"I1: the account saw only strict debits, yet its home log reaches {Money.Format(lowest)}"));
        }

        if (string.Equals(home, region, StringComparison.Ordinal) && account.Balance < 0 && account.Apologies == 0)
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.InvariantViolated, account.Position,
                $"I6: overdrawn by {Money.Format(-account.Balance)} at its home region with no apology"));
        }

        var t = account.Totals;
        return (position, heads.Count, new RegionTotals(1, t.Balance, t.Deposited, t.PaidOut, t.Debited, t.Credited), heads);
    }

    /// <summary>
    /// Audits an entity of a registered type with no code of that type's own: every link of its chains, I4 per
    /// origin, the replica against a fold of the log (by the canonical JSON of the state), and the type's own
    /// invariants and owed apologies at home. An entity whose type is not registered here is named, not folded.
    /// </summary>
    private async Task<(long Events, Dictionary<string, (long Seq, ChainHash Hash)>? Heads)> AuditRegisteredEntityAsync(
        string region, string entity, IEntityTypeRuntime? type, string key, ImmutableArray<AuditFinding>.Builder findings, CancellationToken cancellationToken)
    {
        var heads = new Dictionary<string, (long Seq, ChainHash Hash)>(StringComparer.Ordinal);
        var requests = new HashSet<(string Origin, string RequestId)>();
        var log = new List<LoggedEvent>();
        while (true)
        {
            var page = await store.ReadAsync(entity, log.Count + 1, EventPage, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var logged in page)
            {
                if (VerifyLink(region, entity, logged, heads, findings) is false)
                {
                    return (logged.Position, null);
                }

                if (!requests.Add((logged.Event.Origin, logged.Event.RequestId)))
                {
                    findings.Add(new AuditFinding(region, entity, AuditFindingKinds.InvariantViolated, logged.Position,
                        $"I4: request '{logged.Event.RequestId}' took effect twice at origin {logged.Event.Origin}"));
                }

                log.Add(logged);
            }
        }

        if (type is null)
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.UnknownType, null, "the entity's type is not registered in this region; its chains verify but its state cannot be folded"));
            return (log.Count, heads);
        }

        EntityAuditFold fold;
        try
        {
            var atHome = string.Equals(type.HomeRegionOf(key, options.Value.EffectiveRegions), region, StringComparison.Ordinal);
            fold = type.FoldForAudit(entity, log, atHome);
        }
        catch (Exception ex) when (ex is UnknownPayloadKindException or CanonicalFormatException or System.Text.Json.JsonException)
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.UnknownType, null, $"the log cannot be folded here: {ex.Message}"));
            return (log.Count, heads);
        }

        var replica = await services.GetRequiredService<EntityTypeRegistry>().GrainOf(grains, type, key).GetAuditStateAsync(cancellationToken);
        if (replica.Position == fold.Position && !string.Equals(replica.CanonicalState, fold.CanonicalState, StringComparison.Ordinal))
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.ReplicaMismatch, fold.Position,
                $"replica holds {Abbreviate(replica.CanonicalState)}, the log folds to {Abbreviate(fold.CanonicalState)}"));
        }

        foreach (var view in services.GetRequiredService<EntityTypeRegistry>().ViewsOf(type.Name))
        {
            var expected = view.FoldForAudit(entity, log, type.Payloads);
            var grain = services.GetRequiredService<EntityTypeRegistry>().ViewGrainOf(grains, view, entity);
            await grain.CatchUpAsync(expected.Position, cancellationToken);
            var held = await grain.GetAuditStateAsync(cancellationToken);
            if (held.Position != expected.Position)
            {
                findings.Add(new AuditFinding(region, entity, AuditFindingKinds.ViewMismatch, held.Position,
                    $"view '{view.Name}' is at position {held.Position} and cannot catch up to the log's {expected.Position}"));
            }
            else if (!string.Equals(held.CanonicalState, expected.CanonicalState, StringComparison.Ordinal))
            {
                findings.Add(new AuditFinding(region, entity, AuditFindingKinds.ViewMismatch, held.Position,
                    $"view '{view.Name}' holds {Abbreviate(held.CanonicalState)}, the log folds to {Abbreviate(expected.CanonicalState)}"));
            }
        }

        foreach (var violation in fold.Violations)
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.InvariantViolated, fold.Position, $"{type.Name}: {violation}"));
        }

        foreach (var owed in fold.OwedApologies)
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.InvariantViolated, fold.Position, $"I6: the apology for {owed} is owed at home but not in the log"));
        }

        return (log.Count, heads);
    }

    private static string Abbreviate(string json) => json.Length <= 200 ? json : string.Concat(json.AsSpan(0, 200), "…");

    /// <summary>
    /// I3 at the handles' primary: the binding its log shows must be the one the transactional ownership
    /// record holds (a handle bound to one account in the log and another in the record is two owners).
    /// </summary>
    private async Task AuditHandleAsync(string region, string entity, string handle, ImmutableArray<AuditFinding>.Builder findings)
    {
        var logged = await grains.GetGrain<Interfaces.Handles.IHandleGrain>(handle).WhoisAsync();
        var recorded = await grains.GetGrain<IHandleOwnershipGrain>(handle).GetOwnerAsync();
        if (!string.Equals(logged.Owner, recorded, StringComparison.Ordinal))
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.InvariantViolated, null,
                $"I3: the log binds the handle to {logged.Owner ?? "nobody"}, the ownership record to {recorded ?? "nobody"}"));
        }
    }

    /// <summary>Recomputes the event's hash and checks it continues its origin's chain.</summary>
    private static bool VerifyLink(string region, string entity, LoggedEvent logged, Dictionary<string, (long Seq, ChainHash Hash)> heads, ImmutableArray<AuditFinding>.Builder findings)
    {
        var e = logged.Event;
        if (!string.Equals(e.EntityId, entity, StringComparison.Ordinal) || !EventCodec.HasValidHash(e))
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.HashMismatch, logged.Position, $"event {e.Id} does not hash to its stored hash {e.Hash}"));
            return false;
        }

        var (seq, hash) = heads.TryGetValue(e.Origin, out var head) ? head : (0, ChainHash.Genesis);
        if (e.Seq != seq + 1 || e.PrevHash != hash)
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.ChainBroken, logged.Position,
                $"event {e.Id} does not follow {e.Origin}#{seq} (expected seq {seq + 1} chained to {hash})"));
            return false;
        }

        heads[e.Origin] = (e.Seq, e.Hash);
        return true;
    }

    private async Task AuditViewAsync(string region, string entity, AccountState account, ImmutableArray<AuditFinding>.Builder findings, CancellationToken cancellationToken)
    {
        var summary = grains.GetGrain<IAccountSummaryGrain>(entity);
        await summary.CatchUpAsync(account.Position, cancellationToken);
        var view = await summary.GetAsync(cancellationToken);
        var t = account.Totals;
        if (view.Position == account.Position
            && (view.Balance != t.Balance || view.Deposited != t.Deposited || view.PaidOut != t.PaidOut || view.TransferredOut != t.Debited || view.TransferredIn != t.Credited))
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.ViewMismatch, account.Position,
                $"account summary says {Money.Format(view.Balance)}, the log folds to {Money.Format(t.Balance)}"));
        }
        else if (view.Position != account.Position)
        {
            findings.Add(new AuditFinding(region, entity, AuditFindingKinds.ViewMismatch, view.Position,
                $"account summary is at position {view.Position} and cannot catch up to the log's {account.Position}"));
        }
    }

    private async Task AuditTotalsAsync(string region, RegionTotals recomputed, ImmutableArray<AuditFinding>.Builder findings, CancellationToken cancellationToken)
    {
        var totals = await grains.GetGrain<IRegionTotalsGrain>(0).GetAsync(cancellationToken);
        if (totals != recomputed)
        {
            findings.Add(new AuditFinding(region, "(region totals)", AuditFindingKinds.TotalsMismatch, null, $"the totals view says {totals}, the logs sum to {recomputed}"));
        }

        if (!recomputed.IsConserved)
        {
            findings.Add(new AuditFinding(region, "(region totals)", AuditFindingKinds.InvariantViolated, null, $"I2: the logs do not conserve money: {recomputed}"));
        }
    }

    /// <summary>A deterministic sample: the same seed and fraction pick the same entities.</summary>
    private static bool IsSampled(string entity, AuditRequest request)
    {
        if (request.SampleFraction >= 1.0)
        {
            return true;
        }

        var hash = (uint)request.Seed ^ 2166136261u;
        foreach (var c in entity)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash / (double)uint.MaxValue < request.SampleFraction;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit of {Region}: peer {Peer} did not answer; its copies were not compared: {Error}")]
    private partial void LogPeerUnreachable(string region, string peer, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit of {Region}: {Entities} entities, {Events} events checked, {Findings} finding(s) so far.")]
    private partial void LogProgress(string region, long entities, long events, int findings);
}
