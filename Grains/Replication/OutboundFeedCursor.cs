using Concord.Grains.Interfaces.Events;
using Concord.Grains.Storage;

namespace Concord.Grains.Replication;

/// <summary>
/// How far one peer holds this region's own events, with no transport in it: the replicator's cursor over the local
/// feed, the next batch to ship from it, how an acknowledgement moves it (only forward, only once durable at the peer),
/// and whether the peer holds all of a shipped batch. The replicator grain and the simulator's region both drive it.
/// </summary>
internal sealed class OutboundFeedCursor(IEventLogStore store, string region, int batchSize)
{
    /// <summary>The feed position the peer acknowledged durable; every local event at or before it is held there.</summary>
    public long Acked { get; private set; }

    public int BatchSize => batchSize;

    /// <summary>The region whose own events this feed holds.</summary>
    public string Origin => region;

    /// <summary>Starts from a persisted position (the cursor can be rebuilt from zero: shipping again is idempotent).</summary>
    public void Restore(long acked) => Acked = Math.Max(0, acked);

    /// <summary>The next events the peer has not acknowledged, oldest first, at most one batch.</summary>
    public ValueTask<IReadOnlyList<FeedEntry>> NextBatchAsync(CancellationToken cancellationToken = default) =>
        store.ReadFeedAsync(region, Acked, batchSize, cancellationToken);

    /// <summary>Moves the cursor to <paramref name="durableThrough"/> when that is ahead; true when it moved (persist it).</summary>
    public bool Acknowledge(long durableThrough)
    {
        if (durableThrough <= Acked)
        {
            return false;
        }

        Acked = durableThrough;
        return true;
    }

    /// <summary>Whether the feed holds events the peer has not acknowledged yet (one read of the feed's head).</summary>
    public async ValueTask<bool> IsBehindAsync(CancellationToken cancellationToken = default) =>
        await store.GetFeedHeadAsync(region, cancellationToken) > Acked;

    /// <summary>
    /// The peer's side: the feed position through which it holds a batch it applied, where <paramref name="holds"/>
    /// says whether it holds an event. What it could only buffer (its causal past has not arrived), and everything
    /// after it, is owed again, so the cursor never passes an event the peer does not hold durably.
    /// </summary>
    public static long DurableThrough(IReadOnlyList<FeedEntry> shipped, Func<EventEnvelope, bool> holds)
    {
        var through = shipped.Count == 0 ? 0 : shipped[0].FeedPosition - 1;
        foreach (var entry in shipped)
        {
            if (!holds(entry.Event))
            {
                break;
            }

            through = entry.FeedPosition;
        }

        return through;
    }

    /// <summary>Whether the peer acknowledged every event of <paramref name="shipped"/> (what it only buffered is owed again).</summary>
    public bool HoldsAll(IReadOnlyList<FeedEntry> shipped) => shipped.Count == 0 || Acked >= shipped[^1].FeedPosition;

    /// <summary>After the store came back without its last commits: positions past its new head name events it no longer has.</summary>
    public void RewindTo(long head) => Acked = Math.Min(Acked, head);
}
