using Concord.Grains.Interfaces.Canonical;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Entities;

/// <summary>
/// A property test for an entity type's fold, with no Orleans in it: random histories in which regions decide
/// random commands against their own replica (strict ones at home) and sync with each other at random (the home region appending the
/// apologies it owes, as it does live), then every history's events delivered to fresh replicas in random causal
/// orders with duplicates. Every replica must end in the same state, byte for byte. Seeded: a failure names the
/// seed that reproduces it.
/// </summary>
public static class ConvergenceCheck
{
    /// <summary>Throws <see cref="ConvergenceCheckFailedException"/> naming the seed when two replicas of a history end apart.</summary>
    /// <param name="type">The entity type under test.</param>
    /// <param name="command">Draws a random command, given the state of the replica that will decide it; commands the type refuses are skipped.</param>
    /// <param name="seed">The first seed; run <c>i</c> uses <c>seed + i</c>.</param>
    /// <param name="runs">How many histories.</param>
    /// <param name="regions">How many regions take part (2 to 16).</param>
    /// <param name="steps">The most steps (decisions and syncs) in one history.</param>
    public static void Run<TState>(ReplicatedEntityType<TState> type, Func<Random, TState, object> command, int seed = 1, int runs = 200, int regions = 3, int steps = 40)
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentOutOfRangeException.ThrowIfLessThan(regions, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(regions, 16);
        var payloads = new PayloadTypes();
        type.RegisterPayloads(payloads);
        var names = Enumerable.Range(0, regions).Select(i => $"r{i:00}").ToArray();
        for (var run = 0; run < runs; run++)
        {
            var random = new Random(seed + run);
            var history = new History<TState>(type, payloads, names, random, seed + run);
            history.Play(command, steps);
            var expected = history.FullySynced();
            for (var order = 0; order < 2; order++)
            {
                var delivered = history.DeliverInRandomCausalOrder();
                if (!string.Equals(delivered, expected, StringComparison.Ordinal))
                {
                    throw new ConvergenceCheckFailedException(seed + run, expected, delivered, history.Trace);
                }
            }
        }
    }

    private sealed class History<TState>(ReplicatedEntityType<TState> type, PayloadTypes payloads, string[] names, Random random, int seed)
        where TState : class
    {
        private const string EntityId = "check/k";
        private readonly List<EventEnvelope> _events = [];
        private readonly Replica[] _replicas = [.. names.Select(n => new Replica(n, new EntityFold<TState>(type, payloads, EntityId)))];
        private readonly string _home = type.HomeRegionOf("k", names);
        private long _clock;

        public List<string> Trace { get; } = [];

        public void Play(Func<Random, TState, object> command, int steps)
        {
            for (var step = random.Next(1, steps + 1); step > 0; step--)
            {
                var at = _replicas[random.Next(_replicas.Length)];
                if (random.Next(3) == 0)
                {
                    var from = _replicas[random.Next(_replicas.Length)];
                    Trace.Add($"{at.Region} syncs from {from.Region}");
                    Sync(at, from);
                    continue;
                }

                var cmd = command(random, at.Fold.State);
                if (type.ModeOf(cmd) == ConsistencyMode.Strict)
                {
                    // Strict commands are decided at home, as they are live.
                    at = _replicas.Single(r => r.Region == _home);
                }

                var requestId = $"q{_events.Count}-{step}";
                object? payload;
                try
                {
                    payload = type.Decide(at.Fold.State, cmd, new CommandContext(EntityId, "k", requestId, type.ModeOf(cmd), at.Region, _home, at.Fold.Version));
                }
                catch (Exception ex) when (ex is Interfaces.Errors.ConcordException)
                {
                    Trace.Add($"{at.Region} refuses {cmd}");
                    continue;
                }

                if (payload is not null)
                {
                    Append(at, requestId, payload);
                    Trace.Add($"{at.Region} decides {cmd} -> {payload}");
                }
            }
        }

        /// <summary>Apologies one history may append: a fold whose home owes apology after apology never comes to rest.</summary>
        private const int MaxApologies = 1_000;

        private int _apologies;

        /// <summary>Every region after taking every other region's events: they must already agree.</summary>
        public string FullySynced()
        {
            // Until nothing moves: syncing home may append an apology the others must take too.
            int before;
            do
            {
                before = _events.Count;
                foreach (var a in _replicas)
                {
                    foreach (var b in _replicas)
                    {
                        Sync(a, b);
                    }
                }
            }
            while (_events.Count != before || _replicas.Any(r => r.Log.Count != _events.Count));

            var states = _replicas.Select(r => PayloadTypes.CanonicalOf(r.Fold.State)).Distinct(StringComparer.Ordinal).ToList();
            return states.Count == 1 ? states[0] : throw new ConvergenceCheckFailedException(seed, states[0], states[1], Trace);
        }

        /// <summary>A fresh replica takes every event, duplicates among them, in a random causal order.</summary>
        public string DeliverInRandomCausalOrder()
        {
            var pending = _events.Concat(_events.Where(_ => random.Next(4) == 0)).OrderBy(_ => random.Next()).ToList();
            var replica = new Replica("fresh", new EntityFold<TState>(type, payloads, EntityId));
            while (pending.Count > 0)
            {
                var version = replica.Fold.Version;
                var ready = pending.Where(e => e.Seq <= version[e.Origin] || (e.Seq == version[e.Origin] + 1 && version.Covers(e.Deps))).ToList();
                var next = ready[random.Next(ready.Count)];
                pending.Remove(next);
                Take(replica, next);
            }

            return PayloadTypes.CanonicalOf(replica.Fold.State);
        }

        private void Append(Replica at, string requestId, object payload)
        {
            var (seq, prev) = at.Fold.HeadOf(at.Region);
            var e = EventCodec.Seal(new EventId(EntityId, at.Region, seq + 1), requestId, new HlcTimestamp(++_clock, 0, at.Region), at.Fold.Version, payloads.ToLogged(payload, EntityId), prev);
            _events.Add(e);
            Take(at, e);
        }

        private void Sync(Replica at, Replica from)
        {
            foreach (var e in from.Log.Where(e => e.Seq > at.Fold.Version[e.Origin]).ToList())
            {
                Take(at, e);
            }
        }

        /// <summary>Applies like the core does: duplicates skipped, a winner that outranks a folded loser refolds.</summary>
        private void Take(Replica replica, EventEnvelope e)
        {
            if (e.Seq <= replica.Fold.Version[e.Origin])
            {
                return;
            }

            replica.Log.Add(e);
            if (!replica.Fold.Apply(new LoggedEvent(replica.Log.Count, e)))
            {
                replica.Fold = EntityFold<TState>.Of(type, payloads, EntityId, [.. replica.Log.Select((x, i) => new LoggedEvent(i + 1, x))]);
            }

            if (replica.Region == _home)
            {
                foreach (var apology in type.OwedApologies(replica.Fold.State).ToList())
                {
                    var requestId = ApologyRequests.IdOf(apology.Key);
                    if (!replica.Fold.TryGetRequest(requestId, out _))
                    {
                        if (++_apologies > MaxApologies)
                        {
                            throw new ConvergenceCheckFailedException(seed, $"home owed more than {MaxApologies} apologies in one history (each apology makes another owed)", Trace);
                        }

                        Append(replica, requestId, apology.Payload);
                        Trace.Add($"{replica.Region} apologises: {apology.Payload}");
                    }
                }
            }
        }

        private sealed class Replica(string region, EntityFold<TState> fold)
        {
            public string Region { get; } = region;

            public EntityFold<TState> Fold { get; set; } = fold;

            public List<EventEnvelope> Log { get; } = [];
        }
    }
}

/// <summary>
/// Two replicas of one history ended in different states, or syncing never came to rest (home kept owing apologies):
/// the fold does not converge. <see cref="Seed"/> replays it.
/// </summary>
public sealed class ConvergenceCheckFailedException : Exception
{
    public ConvergenceCheckFailedException(int seed, string expected, string actual, IReadOnlyList<string> trace)
        : this(seed, $"one replica holds {expected}, another {actual}", trace)
    {
    }

    internal ConvergenceCheckFailedException(int seed, string what, IReadOnlyList<string> trace)
        : base($"The fold does not converge (seed {seed}): {what}. History: {string.Join("; ", trace.TakeLast(40))}") => Seed = seed;

    public int Seed { get; }
}
