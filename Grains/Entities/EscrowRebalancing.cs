using Concord.Grains.Interfaces.Entities.Crdts;

namespace Concord.Grains.Entities;

/// <summary>
/// One replica's rebalancing policy for its entity's escrow. When a strict spend finds this region's share short it
/// asks the peers that hold the most, at most once per <c>askInterval</c>, for enough to cover this spend and one
/// more like it. When asked, it keeps what it spent itself within <c>keepWindow</c> and gives the rest, so idle
/// shares flow toward the regions that spend. Volatile: a restart forgets recent spends, which only makes the replica
/// give more readily once. Plain C#: time is a <see cref="TimeProvider"/>.
/// </summary>
internal sealed class EscrowRebalancing(string region, TimeProvider time, TimeSpan askInterval, TimeSpan keepWindow)
{
    private readonly Queue<(long At, long Amount)> _spent = new();
    private long _spentInWindow;
    private long? _lastAskAt;

    /// <summary>Records a strict spend decided in this region.</summary>
    public void RecordSpend(long amount)
    {
        Trim();
        _spent.Enqueue((time.GetTimestamp(), amount));
        _spentInWindow += amount;
    }

    /// <summary>
    /// The asks to send now, per peer, for a <paramref name="spend"/> this region's share does not cover; none while
    /// throttled. <paramref name="notAsked"/> is left out: the home region, when the spend is being forwarded there and
    /// the home's own share covers it; so is any peer <paramref name="mayAsk"/> refuses (one that did not answer lately).
    /// </summary>
    public IReadOnlyList<(string Peer, long Amount)> AsksFor(BoundedCounter counter, long spend, string? notAsked = null, Func<string, bool>? mayAsk = null)
    {
        var now = time.GetTimestamp();
        if (_lastAskAt is { } last && time.GetElapsedTime(last, now) < askInterval)
        {
            return [];
        }

        var wanted = checked((2 * spend) - counter.RightsOf(region));
        var asks = new List<(string Peer, long Amount)>();
        var holders = counter.Regions
            .Where(r => !string.Equals(r, region, StringComparison.Ordinal) && !string.Equals(r, notAsked, StringComparison.Ordinal))
            .Select(r => (Region: r, Rights: counter.RightsOf(r)))
            .Where(h => h.Rights > 0 && (mayAsk is null || mayAsk(h.Region)))
            .OrderByDescending(h => h.Rights)
            .ThenBy(h => h.Region, StringComparer.Ordinal);
        foreach (var (peer, rights) in holders)
        {
            if (wanted <= 0)
            {
                break;
            }

            var amount = Math.Min(wanted, rights);
            asks.Add((peer, amount));
            wanted -= amount;
        }

        if (asks.Count > 0)
        {
            _lastAskAt = now;
        }

        return asks;
    }

    /// <summary>How much of <paramref name="asked"/> this region gives now: its share beyond what it spent itself lately.</summary>
    public long Giveable(BoundedCounter counter, long asked)
    {
        Trim();
        return Math.Max(0, Math.Min(asked, counter.RightsOf(region) - _spentInWindow));
    }

    private void Trim()
    {
        var now = time.GetTimestamp();
        while (_spent.TryPeek(out var oldest) && time.GetElapsedTime(oldest.At, now) > keepWindow)
        {
            _spentInWindow -= _spent.Dequeue().Amount;
        }
    }
}

/// <summary>A peer's request, over the region link, for <paramref name="Amount"/> of an entity's escrow share to be handed to <paramref name="To"/>.</summary>
[GenerateSerializer, Immutable, Alias("concord.escrow.share-request")]
internal sealed record EscrowShareRequest([property: Id(0)] string To, [property: Id(1)] long Amount);
