using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Simulation;

/// <summary>What regions send each other. There is no authentication layer in the simulator, so every fault below reaches the apply path.</summary>
internal abstract record Message(string From, string To)
{
    /// <summary>The sender's incarnation (its crash count) when it sent this: a region that lost commits fences older ones.</summary>
    public int Incarnation { get; init; }
}

internal sealed record ReplicationBatch(string From, string To, IReadOnlyList<EventEnvelope> Events, long LastFeedPosition) : Message(From, To);

/// <summary>How far a batch is durable at the peer; <paramref name="BatchIncarnation"/> names the sender's incarnation that shipped it.</summary>
internal sealed record ReplicationAck(string From, string To, long FeedPosition, int BatchIncarnation) : Message(From, To);

/// <summary>Anti-entropy, as the outbound replicator runs it: ask the peer's digest, then its versions in the buckets that differ, then push what it lacks.</summary>
internal sealed record DigestRequest(string From, string To) : Message(From, To);

internal sealed record DigestReply(string From, string To, RegionDigest Digest) : Message(From, To);

internal sealed record BucketRequest(string From, string To, IReadOnlyList<int> Buckets) : Message(From, To);

internal sealed record BucketReply(string From, string To, IReadOnlyDictionary<int, IReadOnlyList<EntityVersion>> Versions) : Message(From, To);

internal sealed record Repairs(string From, string To, IReadOnlyList<EventEnvelope> Events) : Message(From, To);

internal sealed record ForwardedStrict(string From, string To, long CallId, string EntityId, string RequestId, object Command) : Message(From, To);

/// <summary>Home's answer to a forwarded command: its events, or the name of the typed refusal.</summary>
internal sealed record ForwardedReply(string From, string To, long CallId, IReadOnlyList<EventEnvelope> Events, string? Refusal) : Message(From, To);

/// <summary>A region that lost commits asks a peer for everything it holds beyond these versions (its own origin's events included).</summary>
/// <remarks>The peer then drops whatever the asker sent in an earlier incarnation and is still in flight: its events may be gone.</remarks>
internal sealed record RecoveryRequest(string From, string To, IReadOnlyDictionary<string, VersionVector> Versions) : Message(From, To);

internal sealed record RecoveryReply(string From, string To, IReadOnlyList<EventEnvelope> Events) : Message(From, To);

internal sealed record ShareAsk(string From, string To, string EntityId, long Amount) : Message(From, To);

/// <summary>
/// The links between regions: per message a latency drawn from the link's range (so messages reorder), loss,
/// duplication of replication traffic and corruption (a payload altered after sealing, its hash left as it was), and cuts in either direction.
/// </summary>
internal sealed class SimulatedNetwork(Random random, FaultPlan plan)
{
    private readonly HashSet<(string From, string To)> _cut = [];

    public long Sent { get; private set; }

    public long Delivered { get; private set; }

    public long EventsShipped { get; private set; }

    public long BytesShipped { get; private set; }

    public bool IsCut(string from, string to) => _cut.Contains((from, to));

    public void Cut(string from, string to) => _cut.Add((from, to));

    public void Heal(string from, string to) => _cut.Remove((from, to));

    public void HealAll() => _cut.Clear();

    /// <summary>The deliveries of one send: none (lost or cut), one, or two (duplicated), each with its own delay and maybe corrupted.</summary>
    public IEnumerable<(long DelayMs, Message Message)> Send(Message message)
    {
        Sent++;
        if (IsCut(message.From, message.To) || random.NextDouble() < plan.Loss)
        {
            return [];
        }

        // Forwarded commands and their answers are calls (Orleans RPC: at most once, maybe lost or late); the rest is
        // replication traffic, which any transport below the link's authentication may duplicate.
        var copies = random.NextDouble() < plan.Duplication && message is not (ForwardedStrict or ForwardedReply) ? 2 : 1;
        var deliveries = new List<(long, Message)>(copies);
        for (var i = 0; i < copies; i++)
        {
            var delivered = random.NextDouble() < plan.Corruption ? Corrupt(message) : message;
            deliveries.Add((plan.MinLatencyMs + random.NextInt64(plan.MaxLatencyMs - plan.MinLatencyMs + 1), delivered));
        }

        Delivered += deliveries.Count;
        foreach (var (_, m) in deliveries)
        {
            var events = m switch { ReplicationBatch b => b.Events, Repairs r => r.Events, RecoveryReply r => r.Events, ForwardedReply f => f.Events, _ => [] };
            EventsShipped += events.Count;
            BytesShipped += 64 + events.Sum(e => 160 + e.RequestId.Length + e.EntityId.Length);
        }

        return deliveries;
    }

    /// <summary>A deposit in the message carries one more minor unit than it was sealed with.</summary>
    private static Message Corrupt(Message message)
    {
        static IReadOnlyList<EventEnvelope> Alter(IReadOnlyList<EventEnvelope> events)
        {
            var i = events.ToList().FindIndex(e => e.Payload is Deposited);
            return i < 0 ? events : [.. events.Take(i), events[i] with { Payload = new Deposited(((Deposited)events[i].Payload).Amount + 1) }, .. events.Skip(i + 1)];
        }

        return message switch
        {
            ReplicationBatch b => b with { Events = Alter(b.Events) },
            Repairs r => r with { Events = Alter(r.Events) },
            _ => message,
        };
    }
}
