using System.Collections.Immutable;
using Concord.Grains.Diagnostics;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Concord.Grains.Replication;

/// <summary>
/// Tails this region's own feed from a durable cursor and ships it to one peer in batches; the cursor
/// moves only as far as the peer says its copy is durable. Also fills in what the peer reports missing
/// and, on a slower timer, compares digests with the peer to find and resend anything else.
/// Reentrant only so that status reads never wait behind a slow peer; each timer guards against overlap.
/// </summary>
[Reentrant]
internal sealed partial class OutboundReplicatorGrain : Grain, IOutboundReplicatorGrain
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(100);

    // The slowest the replicator looks at its feed on its own: a fallback, since appends in its silo wake it.
    private static readonly TimeSpan PollFloor = TimeSpan.FromMilliseconds(10);

    private readonly IPersistentState<ReplicationCursor> _cursor;
    private readonly OutboundFeedCursor _feed;
    private readonly IEventLogStore _store;
    private readonly RegionLinks _links;
    private readonly InboundReplicationMonitor _inbound;
    private readonly CheckpointBook _checkpoints;
    private readonly ConcordOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboundReplicatorGrain> _logger;
    private readonly AntiEntropyRepairs _needs;
    private bool _shipping;
    private bool _comparing;
    private TimeSpan _backoff;
    private DateTimeOffset _retryAt;
    private string _link = "idle";
    private string? _lastError;
    private DateTimeOffset? _lastAck;
    private bool? _inSync;
    private long _shipped;
    private long _batches;
    private long _repaired;
    private readonly ConcordMetrics _metrics;
    private readonly LocalFeedSignal _feedSignal;
    private readonly IClusterMembershipService _membership;
    private readonly EventTraces _traces;

    // The feed signal's version when the feed was last read empty (everything acknowledged), or null when unknown:
    // while it is unchanged and nothing else is owed, a tick reads no store until the idle check is due.
    private long? _drainedAt;
    private DateTimeOffset _idleCheckDue;

    // Asks this grain to ship, from the silo's first append after the feed was drained (a one-way call).
    private Action? _wake;

    // Ships once the linger has passed since the wake that armed it; armed at most once at a time.
    private IGrainTimer? _linger;
    private bool _lingering;

    // Identifies this activation's batches; the receiver refuses a (sender, sequence) it has seen.
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private long _sequence;

    public OutboundReplicatorGrain(
        [PersistentState("replication-cursor", ConcordStorage.Name)] IPersistentState<ReplicationCursor> cursor,
        IEventLogStore store,
        RegionLinks links,
        InboundReplicationMonitor inbound,
        CheckpointBook checkpoints,
        LocalFeedSignal feedSignal,
        IOptions<ConcordOptions> options,
        TimeProvider time,
        ConcordMetrics metrics,
        EventTraces traces,
        IClusterMembershipService membership,
        ILogger<OutboundReplicatorGrain> logger)
    {
        _membership = membership;
        _metrics = metrics;
        _traces = traces;
        _feedSignal = feedSignal;
        _cursor = cursor;
        _store = store;
        _links = links;
        _inbound = inbound;
        _checkpoints = checkpoints;
        _options = options.Value;
        _feed = new OutboundFeedCursor(store, _options.Region, _options.ReplicationBatchSize);
        _needs = new AntiEntropyRepairs(store, _feed);
        _time = time;
        _logger = logger;
    }

    private string Peer => this.GetPrimaryKeyString();

    private IRegionLink Link => _links.Get(Peer);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var poll = _options.ReplicationLinger > PollFloor ? _options.ReplicationLinger : PollFloor;
        this.RegisterGrainTimer(ShipAsync, new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = poll, KeepAlive = true });
        this.RegisterGrainTimer(
            CompareDigestsAsync,
            new GrainTimerCreationOptions { DueTime = _options.AntiEntropyInterval, Period = _options.AntiEntropyInterval, KeepAlive = true });
        _feed.Restore(_cursor.State.Position);
        var self = this.AsReference<IOutboundReplicatorGrain>();
        _wake = () => _ = self.WakeAsync();
        LogStarted(_options.Region, Peer, _feed.Acked);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _feedSignal.StopWaking(this);
        return Task.CompletedTask;
    }

    public Task WakeAsync()
    {
        if (_options.ReplicationLinger == TimeSpan.Zero)
        {
            return ShipAsync(CancellationToken.None);
        }

        ShipAfterLinger();
        return Task.CompletedTask;
    }

    /// <summary>Ships when the linger has passed, so that the events appended meanwhile travel in one batch.</summary>
    private void ShipAfterLinger()
    {
        if (_lingering)
        {
            return;
        }

        _lingering = true;
        if (_linger is null)
        {
            _linger = this.RegisterGrainTimer(
                async cancellationToken =>
                {
                    _lingering = false;
                    await ShipAsync(cancellationToken);
                },
                new GrainTimerCreationOptions { DueTime = _options.ReplicationLinger, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
        }
        else
        {
            _linger.Change(_options.ReplicationLinger, Timeout.InfiniteTimeSpan);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public async Task<PeerStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var (lagEvents, lagMs) = await MeasureLagAsync(cancellationToken);

        var fault = _links.Faults.For(Peer);
        return new PeerStatus(
            Peer,
            fault.Cut ? "cut" : _link,
            lagEvents,
            lagMs,
            _shipped,
            _batches,
            _lastAck,
            _lastError,
            fault.ToString(),
            _inSync,
            _repaired,
            _inbound.LastFrom(Peer)?.At);
    }

    public async Task RunAntiEntropyAsync(CancellationToken cancellationToken = default)
    {
        await CompareDigestsAsync(cancellationToken);
        await ShipAsync(cancellationToken);
    }

    /// <summary>Ships feed batches and repairs until there is nothing left or the link fails.</summary>
    private async Task ShipAsync(CancellationToken cancellationToken)
    {
        if (_shipping || _time.GetUtcNow() < _retryAt)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (IsDrainedSinceLastRead && (now < _idleCheckDue || _membership.IsOnlyActiveSilo()))
        {
            // Idle: nothing appended in this silo since the feed was drained, and nothing owed to the peer. Only other
            // silos of the region can append unseen, so a region of one silo reads nothing until an append wakes it.
            return;
        }

        _shipping = true;
        _drainedAt = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // Read before the feed: an append that races the read shows as a newer version next tick.
                var signalled = _feedSignal.Version;
                var repairs = await _needs.TakeRepairsAsync(cancellationToken);
                var feed = await _feed.NextBatchAsync(cancellationToken);
                if (feed.Count == 0 && repairs.Length == 0)
                {
                    MarkDrained(signalled, now);
                    return;
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.LinkCallTimeout);
                // Events relayed for another origin travel with that origin's newest signed checkpoint, which the
                // receiver needs to accept them.
                var checkpoints = repairs.Select(e => e.Origin).Where(o => o != _options.Region).Distinct(StringComparer.Ordinal)
                    .Select(_checkpoints.LatestOf).OfType<SignedCheckpoint>().ToImmutableArray();
                var spans = ReplicationSpans.Shipping(_traces, _options.Region, Peer, feed.Select(f => f.Event).Concat(repairs));
                var batch = new ReplicationBatch(_options.Region, [.. feed], repairs, _instance, ++_sequence, default, checkpoints, spans.Traces);
                if (_options.ReplicationSecret is { } secret)
                {
                    batch = new BatchAuthenticator(secret).Sign(batch, Peer);
                }

                ReplicationAck ack;
                try
                {
                    ack = await Link.SendAsync(batch, timeout.Token);
                }
                catch (Exception ex)
                {
                    spans.End(ex);
                    throw;
                }

                spans.End();
                OnSuccess();
                _batches++;
                _shipped += feed.Count;
                _metrics.BatchSent(_options.Region, Peer, feed.Count + repairs.Length);
                _repaired += repairs.Length;
                foreach (var need in ack.Needs)
                {
                    _needs.Owe(need.EntityId, need.Version);
                }

                if (_feed.Acknowledge(ack.DurableThrough))
                {
                    _cursor.State.Position = _feed.Acked;
                    await _cursor.WriteStateAsync(cancellationToken);
                }

                if (feed.Count < _feed.BatchSize && _needs.Count == 0)
                {
                    if (_feed.HoldsAll(feed))
                    {
                        // Everything read is acknowledged durable; what the peer buffered is owed again next tick.
                        MarkDrained(signalled, now);
                    }

                    return;
                }
            }
        }
        catch (Exception ex)
        {
            OnFailure(ex);
        }
        finally
        {
            _shipping = false;
        }
    }

    /// <summary>Everything read was acknowledged, nothing was appended in this silo since, and nothing is owed to the peer.</summary>
    private bool IsDrainedSinceLastRead => _drainedAt == _feedSignal.Version && _needs.Count == 0;

    /// <summary>Everything read is acknowledged: wait for the next append in this silo (or the idle check) before reading again.</summary>
    private void MarkDrained(long signalled, DateTimeOffset now)
    {
        _drainedAt = signalled;
        _idleCheckDue = now + _options.IdleFeedCheckInterval;
        if (_wake is { } wake)
        {
            _feedSignal.WakeOnNextAppend(this, wake);
            if (_feedSignal.Version != signalled)
            {
                // Appended while this batch was in flight: the next batch follows, as a wake would ship it.
                _feedSignal.StopWaking(this);
                wake();
            }
        }
    }

    /// <summary>Events the peer has not acknowledged, and the age of the oldest of them; also published as metrics.</summary>
    private async Task<(long Events, long Ms)> MeasureLagAsync(CancellationToken cancellationToken)
    {
        if (IsDrainedSinceLastRead && _membership.IsOnlyActiveSilo())
        {
            // Drained and nothing appended since, anywhere in the region: no lag, and no read to learn it.
            _metrics.ReplicationLag(_options.Region, Peer, 0, 0);
            return (0, 0);
        }

        var head = await _store.GetFeedHeadAsync(_options.Region, cancellationToken);
        var lagEvents = Math.Max(0, head - _feed.Acked);
        var lagMs = 0L;
        if (lagEvents > 0 && (await _store.ReadFeedAsync(_options.Region, _feed.Acked, 1, cancellationToken)) is [var oldest, ..])
        {
            lagMs = Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - oldest.Event.Hlc.PhysicalMs);
        }

        _metrics.ReplicationLag(_options.Region, Peer, lagEvents, lagMs);
        return (lagEvents, lagMs);
    }

    /// <summary>Compares digests with the peer and queues every entity the peer holds less of than this region.</summary>
    private async Task CompareDigestsAsync(CancellationToken cancellationToken)
    {
        if (_comparing)
        {
            return;
        }

        await MeasureLagAsync(cancellationToken);

        _comparing = true;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.LinkCallTimeout);
            var theirs = await Link.GetDigestAsync(timeout.Token);
            var ours = await _store.GetDigestAsync(cancellationToken);
            var differing = AntiEntropyRepairs.BucketsToCompare(ours, theirs);
            _inSync = differing.Count == 0;
            foreach (var bucket in differing)
            {
                await _needs.CompareBucketAsync(bucket, await Link.GetBucketAsync(bucket, timeout.Token), cancellationToken);
            }

            OnSuccess();
        }
        catch (Exception ex)
        {
            OnFailure(ex);
        }
        finally
        {
            _comparing = false;
        }
    }

    private void OnSuccess()
    {
        _link = "up";
        _lastError = null;
        _lastAck = _time.GetUtcNow();
        _backoff = TimeSpan.Zero;
    }

    private void OnFailure(Exception ex)
    {
        var wasUp = _link != "down";
        _link = "down";
        // A link's own exception says what failed and why (a refused certificate, a cut); its inner cause says less.
        _lastError = ex is RegionLinkUnavailableException ? ex.Message : ex.GetBaseException().Message;
        _backoff = _backoff == TimeSpan.Zero ? MinBackoff : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.LinkMaxBackoff.Ticks));
        _retryAt = _time.GetUtcNow() + _backoff;
        if (wasUp)
        {
            LogLinkDown(_options.Region, Peer, _lastError);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replication {Region} -> {Peer} started at feed position {Position}.")]
    private partial void LogStarted(string region, string peer, long position);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replication {Region} -> {Peer} failing, retrying with back-off: {Error}")]
    private partial void LogLinkDown(string region, string peer, string error);
}
