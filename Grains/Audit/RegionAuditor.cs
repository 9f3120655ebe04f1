using System.Collections.Immutable;
using System.Diagnostics;
using Concord.Grains.Entities;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
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

    // Entities audited at once: each costs a few grain calls (latency, not CPU), which overlap.
    private const int EntitiesAtOnce = 16;
    private readonly ILogger<RegionAuditor> _logger = logger;
    private readonly EntityTypeRegistry? _registry = services.GetService<EntityTypeRegistry>();

    public async Task<AuditReport> RunAsync(AuditRequest request, IProgress<AuditProgress>? progress, CancellationToken cancellationToken)
    {
        var region = options.Value.Region;
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var findings = ImmutableArray.CreateBuilder<AuditFinding>();
        var unreachable = new SortedSet<string>(StringComparer.Ordinal);
        var context = new AuditRunContext(region, request.SampleFraction >= 1.0, grains, services, f =>
        {
            lock (findings)
            {
                findings.Add(f);
            }
        });
        var runs = services.GetServices<IAuditPlugin>().Select(p => p.Start(context)).ToList();
        long entities = 0, events = 0, chains = 0;
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
            var reportedBefore = findings.Count;
            foreach (var batch in page.Where(e => IsSampled(e, request)).Chunk(EntitiesAtOnce))
            {
                var results = await Task.WhenAll(batch.Select(entity => AuditEntityAsync(context, entity, [.. runs.Where(r => r.Covers(entity))], cancellationToken)));
                for (var i = 0; i < batch.Length; i++)
                {
                    entities++;
                    events += results[i].Events;
                    chains += results[i].Chains;
                    if (results[i].Heads is { } heads)
                    {
                        verifiedHeads[batch[i]] = heads;
                    }
                }
            }

            InEntityOrder(findings, reportedBefore);

            await CompareWithPeersAsync(region, verifiedHeads, findings, unreachable, cancellationToken);

            LogProgress(region, entities, events, findings.Count);
            progress?.Report(new AuditProgress(true, entities, events, findings.Count));
        }

        foreach (var run in runs)
        {
            await run.FinishAsync(cancellationToken);
        }

        if (context.IsFull)
        {
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

    /// <summary>
    /// Verifies one entity's log for every entity type alike (each hash, each chain link, I4 per origin) and hands the
    /// verified events to every plug-in that covers the entity. Nothing after a broken link is trusted or handed on.
    /// </summary>
    private async Task<(long Events, long Chains, Dictionary<string, (long Seq, ChainHash Hash)>? Heads)> AuditEntityAsync(
        AuditRunContext context, string entity, IReadOnlyList<IAuditPluginRun> covering, CancellationToken cancellationToken)
    {
        var heads = new Dictionary<string, (long Seq, ChainHash Hash)>(StringComparer.Ordinal);

        // An entity of a registered type is folded once, here, for every plug-in that covers it.
        var registered = _registry is not null && _registry.TryResolve(entity, out var type, out var key) ? (Type: type, Key: key) : default;
        List<LoggedEvent>? log = registered.Type is null ? null : [];
        var requests = new HashSet<(string Origin, string RequestId)>();
        var passes = new List<IEntityAuditPass>(covering.Count);
        foreach (var run in covering)
        {
            passes.Add(await run.BeginEntityAsync(entity, cancellationToken));
        }

        long position = 0;
        while (true)
        {
            var page = await store.ReadCheckedAsync(entity, position + 1, EventPage, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var (logged, hashIsValid) in page)
            {
                if (!VerifyLink(context, entity, logged, hashIsValid, heads))
                {
                    // One finding names the first bad position.
                    return (logged.Position, heads.Count, null);
                }

                if (!requests.Add((logged.Event.Origin, logged.Event.RequestId)))
                {
                    // A region decides each request id once; two events of one origin for one request is a double effect.
                    context.Report(entity, AuditFindingKinds.InvariantViolated, logged.Position, $"I4: request '{logged.Event.RequestId}' took effect twice at origin {logged.Event.Origin}");
                }

                log?.Add(logged);
                foreach (var pass in passes)
                {
                    pass.Apply(logged);
                }

                position = logged.Position;
            }

            if (page.Count < EventPage)
            {
                // A short page is the log's end: no read to learn that the next is empty.
                break;
            }
        }

        if (log is not null && passes.Count > 0)
        {
            RegisteredEntityFold.Of(registered.Type!, registered.Key!, entity, log, context.Region, options.Value.EffectiveRegions).HandTo(passes);
        }

        foreach (var pass in passes)
        {
            await pass.FinishAsync(cancellationToken);
        }

        return (position, heads.Count, heads);
    }

    /// <summary>Checks the event is intact (its hash recomputed as the store read it) and continues its origin's chain.</summary>
    private static bool VerifyLink(AuditRunContext context, string entity, LoggedEvent logged, bool hashIsValid, Dictionary<string, (long Seq, ChainHash Hash)> heads)
    {
        var e = logged.Event;
        if (!string.Equals(e.EntityId, entity, StringComparison.Ordinal) || !hashIsValid)
        {
            context.Report(entity, AuditFindingKinds.HashMismatch, logged.Position, $"event {e.Id} does not hash to its stored hash {e.Hash}");
            return false;
        }

        var (seq, hash) = heads.TryGetValue(e.Origin, out var head) ? head : (0, ChainHash.Genesis);
        if (e.Seq != seq + 1 || e.PrevHash != hash)
        {
            context.Report(entity, AuditFindingKinds.ChainBroken, logged.Position, $"event {e.Id} does not follow {e.Origin}#{seq} (expected seq {seq + 1} chained to {hash})");
            return false;
        }

        heads[e.Origin] = (e.Seq, e.Hash);
        return true;
    }

    /// <summary>Entities audited at once report in any order: the page's findings are put back in entity order (stable within one).</summary>
    private static void InEntityOrder(ImmutableArray<AuditFinding>.Builder findings, int from)
    {
        lock (findings)
        {
            var page = findings.Skip(from).OrderBy(f => f.EntityId, StringComparer.Ordinal).ToList();
            findings.RemoveRange(from, findings.Count - from);
            findings.AddRange(page);
        }
    }

    /// <summary>A deterministic sample: the same seed and fraction pick the same entities.</summary>
    private static bool IsSampled(string entity, AuditRequest request)
    {
        if (request.SampleFraction >= 1.0)
        {
            return true;
        }

        return Fnv1a.Hash32(entity, (uint)request.Seed) / (double)uint.MaxValue < request.SampleFraction;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit of {Region}: peer {Peer} did not answer; its copies were not compared: {Error}")]
    private partial void LogPeerUnreachable(string region, string peer, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit of {Region}: {Entities} entities, {Events} events checked, {Findings} finding(s) so far.")]
    private partial void LogProgress(string region, long entities, long events, int findings);
}
