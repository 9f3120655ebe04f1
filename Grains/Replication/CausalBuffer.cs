using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Replication;

/// <summary>
/// Remote events that arrived before they can be applied. An event is ready when it is the next of its
/// origin's chain and the replica already holds everything in its <see cref="EventEnvelope.Deps"/>.
/// </summary>
internal sealed class CausalBuffer
{
    private readonly Dictionary<string, SortedDictionary<long, EventEnvelope>> _byOrigin = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    /// <summary>Buffers an event; a second copy of the same (origin, seq) is ignored.</summary>
    public void Add(EventEnvelope envelope)
    {
        if (!_byOrigin.TryGetValue(envelope.Origin, out var chain))
        {
            _byOrigin[envelope.Origin] = chain = [];
        }

        if (chain.TryAdd(envelope.Seq, envelope))
        {
            Count++;
        }
    }

    /// <summary>Per origin, the highest seq waiting here.</summary>
    public VersionVector HighestWaiting() =>
        VersionVector.From(_byOrigin.Where(o => o.Value.Count > 0).Select(o => new KeyValuePair<string, long>(o.Key, o.Value.Keys.Max())));

    /// <summary>Every event waiting here, per origin in chain order.</summary>
    public IEnumerable<EventEnvelope> Waiting => _byOrigin.Values.SelectMany(chain => chain.Values);

    /// <summary>Drops every waiting event of <paramref name="origin"/> (its region lost them and takes them back itself).</summary>
    public void DropOrigin(string origin)
    {
        if (_byOrigin.Remove(origin, out var chain))
        {
            Count -= chain.Count;
        }
    }

    public void Clear()
    {
        _byOrigin.Clear();
        Count = 0;
    }

    /// <summary>
    /// Removes and returns every buffered event that can now be applied, in an order that respects each
    /// origin's chain and every event's dependencies. Copies of events already held are discarded, and so
    /// are events whose previous hash contradicts the chain (<paramref name="rejected"/> counts them).
    /// </summary>
    public List<EventEnvelope> TakeReady(IReadOnlyDictionary<string, (long Seq, ChainHash Hash)> heads, VersionVector version, out int rejected)
    {
        var ready = new List<EventEnvelope>();
        var current = new Dictionary<string, (long Seq, ChainHash Hash)>(heads, StringComparer.Ordinal);
        rejected = 0;
        var progress = true;
        while (progress)
        {
            progress = false;
            foreach (var (origin, chain) in _byOrigin)
            {
                var head = current.TryGetValue(origin, out var h) ? h : (0, ChainHash.Genesis);
                while (chain.Count > 0)
                {
                    var (seq, next) = chain.First();
                    if (seq <= head.Seq)
                    {
                        Remove(chain, seq);
                        continue;
                    }

                    if (seq != head.Seq + 1 || (!version.Covers(WithoutOrigin(next.Deps, origin)) && !Diagnostics.PlantedBugs.IgnoreCausalDependencies))
                    {
                        break;
                    }

                    Remove(chain, seq);
                    if (next.PrevHash != head.Hash && !Diagnostics.PlantedBugs.TrustRemoteChains)
                    {
                        rejected++;
                        continue;
                    }

                    ready.Add(next);
                    head = (seq, next.Hash);
                    current[origin] = head;
                    version = version.With(origin, seq);
                    progress = true;
                }
            }
        }

        return ready;
    }

    // An event's own origin is ordered by its chain; only the other origins are real dependencies.
    private static VersionVector WithoutOrigin(VersionVector deps, string origin) =>
        deps[origin] == 0 ? deps : VersionVector.From(deps.Entries.Where(e => e.Origin != origin).Select(e => new KeyValuePair<string, long>(e.Origin, e.Seq)));

    private void Remove(SortedDictionary<long, EventEnvelope> chain, long seq)
    {
        chain.Remove(seq);
        Count--;
    }
}
