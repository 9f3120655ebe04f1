using System.Collections.Immutable;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Events;
using CsCheck;

namespace Concord.Tests.Entities;

/// <summary>
/// Every CRDT building block reaches the same state from every causal delivery order. Histories are random:
/// three regions operate and sync with each other at random; the events are then delivered to fresh replicas in
/// random causal orders, with duplicates. CsCheck prints the failing seed.
/// </summary>
public sealed class CrdtConvergenceTests
{
    private static readonly string[] Origins = ["ap", "eu", "us"];

    private sealed record Ev(Dot Dot, VersionVector Deps, HlcTimestamp Hlc, int Kind, int Value, ImmutableSortedSet<Dot> Observed);

    [Fact]
    public void Pn_counter_converges_with_duplicates() =>
        Converges(PNCounter.Empty, (c, e) => c.Add(e.Dot, e.Value - 5), (_, _) => ImmutableSortedSet<Dot>.Empty, duplicatesApply: true);

    [Fact]
    public void Pn_counter_counts_each_dot_once()
    {
        var once = PNCounter.Empty.Add(new Dot("eu", 1), 5).Add(new Dot("us", 1), -2);
        Assert.Equal(3, once.Add(new Dot("eu", 1), 5).Value);
        Assert.Equal(3, once.Value);
    }

    [Fact]
    public void Pn_counter_merge_is_idempotent_commutative_and_associative() =>
        Gen.Select(Counter, Counter, Counter).Sample((a, b, c) =>
        {
            Assert.Equal(Json(a.Merge(b)), Json(b.Merge(a)));
            Assert.Equal(Json(a.Merge(b).Merge(c)), Json(a.Merge(b.Merge(c))));
            Assert.Equal(Json(a.Merge(a)), Json(a));
        });

    [Fact]
    public void Or_set_add_wins_and_converges_with_duplicates() =>
        Converges(
            OrSet<int>.Empty,
            (s, e) => e.Kind == 0 ? s.Add(e.Value % 4, e.Dot) : s.Remove(e.Value % 4, e.Observed),
            (s, op) => op.Kind == 0 ? ImmutableSortedSet<Dot>.Empty : s.TagsOf(op.Value % 4),
            duplicatesApply: true);

    [Fact]
    public void Or_set_keeps_an_add_concurrent_with_a_remove()
    {
        var added = OrSet<string>.Empty.Add("ada", new Dot("eu", 1));
        var removedInEu = added.Remove("ada", added.TagsOf("ada"));
        var readdedInUs = added.Add("ada", new Dot("us", 1));
        Assert.False(removedInEu.Contains("ada"));
        Assert.True(removedInEu.Add("ada", new Dot("us", 1)).Contains("ada"));
        Assert.True(readdedInUs.Remove("ada", added.TagsOf("ada")).Contains("ada"));
    }

    [Fact]
    public void Lww_register_converges_to_the_greatest_hlc_then_origin() =>
        Converges(LwwRegister<int>.Empty, (r, e) => r.Set(e.Value, e.Hlc), (_, _) => ImmutableSortedSet<Dot>.Empty, duplicatesApply: true);

    [Fact]
    public void Lww_register_breaks_a_tie_by_origin()
    {
        var eu = new HlcTimestamp(10, 0, "eu");
        var us = new HlcTimestamp(10, 0, "us");
        Assert.Equal(2, LwwRegister<int>.Empty.Set(2, us).Set(1, eu).Value);
        Assert.Equal(2, LwwRegister<int>.Empty.Set(1, eu).Set(2, us).Value);
    }

    [Fact]
    public void Mv_register_keeps_concurrent_writes_and_converges() =>
        Converges(MvRegister<int>.Empty, (r, e) => r.Set(e.Value, e.Dot, e.Deps), (_, _) => ImmutableSortedSet<Dot>.Empty, duplicatesApply: true);

    [Fact]
    public void Mv_register_shows_a_conflict_until_a_write_that_saw_both()
    {
        var a = MvRegister<string>.Empty.Set("left", new Dot("eu", 1), VersionVector.Empty);
        var both = a.Set("right", new Dot("us", 1), VersionVector.Empty);
        Assert.Equal(["left", "right"], both.Values);
        var resolved = both.Set("merged", new Dot("eu", 2), VersionVector.From([new("eu", 1), new("us", 1)]));
        Assert.Equal(["merged"], resolved.Values);
    }

    [Fact]
    public void Bounded_counter_converges_and_never_goes_negative_in_any_causal_order() =>
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);

            // Each region decides at its own state: it adds, or spends (decrements or hands to a peer) only rights it holds.
            // A hand-over's receiving region rides in Observed (this test's events have no other use for it).
            var events = History(random, BoundedCounter.Empty, ApplyEscrow, (counter, origin, r) =>
            {
                var kind = r.Next(3);
                var amount = kind == 0 ? r.Next(1, 10) : (int)Math.Min(counter.RightsOf(origin), r.Next(1, 10));
                var to = Origins[(Array.IndexOf(Origins, origin) + 1 + r.Next(2)) % Origins.Length];
                return kind == 0 || counter.CanSpend(origin, amount) ? (kind, amount, [new Dot(to, 0)]) : null;
            }, maxSteps: 40);

            BoundedCounter Checked(BoundedCounter counter, Ev e)
            {
                var next = ApplyEscrow(counter, e);
                Assert.True(next.Value >= 0, $"the counter went to {next.Value}");
                Assert.All(Origins, o => Assert.True(next.RightsOf(o) >= 0, $"{o} holds {next.RightsOf(o)} rights"));
                return next;
            }

            var first = Deliver(random, events, BoundedCounter.Empty, Checked, duplicatesApply: true);
            for (var order = 0; order < 3; order++)
            {
                Assert.Equal(Json(first), Json(Deliver(random, events, BoundedCounter.Empty, Checked, duplicatesApply: true)));
            }

            Assert.Equal(events.Where(e => e.Kind == 0).Sum(e => (long)e.Value) - events.Where(e => e.Kind == 1).Sum(e => (long)e.Value), first.Value);
        }, iter: 200);

    [Fact]
    public void Bounded_counter_spends_only_rights_a_region_holds_and_hands_them_over()
    {
        var counter = BoundedCounter.Empty.Increment(new Dot("eu", 1), 10);
        Assert.True(counter.CanSpend("eu", 10));
        Assert.False(counter.CanSpend("us", 1));

        var handed = counter.Transfer(new Dot("eu", 2), "us", 4);
        Assert.Equal((6L, 4L, 10L), (handed.RightsOf("eu"), handed.RightsOf("us"), handed.Value));
        Assert.False(handed.CanSpend("eu", 7));

        var spent = handed.Decrement(new Dot("us", 1), 4);
        Assert.Equal((0L, 6L), (spent.RightsOf("us"), spent.Value));
        Assert.Same(spent, spent.Decrement(new Dot("us", 1), 4));
    }

    private static BoundedCounter ApplyEscrow(BoundedCounter counter, Ev e) => e.Kind switch
    {
        0 => counter.Increment(e.Dot, e.Value),
        1 => counter.Decrement(e.Dot, e.Value),
        _ => counter.Transfer(e.Dot, e.Observed.Min.Origin, e.Value),
    };

    private static readonly Gen<PNCounter> Counter =
        Gen.Select(Gen.Int[0, 2], Gen.Int[-20, 20]).Array[0, 8].Select(ops => ops.Aggregate(PNCounter.Empty, (c, op) => c.Add(Origins[op.Item1], op.Item2)));

    private static string Json(object state) => PayloadTypes.CanonicalOf(state);

    /// <summary>
    /// Builds a random history from a seed, then checks that two random causal deliveries (with duplicates) and
    /// every origin after a full sync all hold the same state.
    /// </summary>
    private static void Converges<T>(T empty, Func<T, Ev, T> apply, Func<T, (int Kind, int Value), ImmutableSortedSet<Dot>> observe, bool duplicatesApply)
        where T : class =>
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            var events = History(random, empty, apply, (state, _, r) =>
            {
                var op = (Kind: r.Next(2), Value: r.Next(10));
                return (op.Kind, op.Value, observe(state, op));
            });
            var expected = Json(Deliver(random, events, empty, apply, duplicatesApply));
            for (var order = 0; order < 3; order++)
            {
                Assert.Equal(expected, Json(Deliver(random, events, empty, apply, duplicatesApply)));
            }
        }, iter: 200);

    /// <summary>A random history of three regions that operate and sync at random; <paramref name="decide"/> picks an operation at a region's state, or none.</summary>
    private static List<Ev> History<T>(Random random, T empty, Func<T, Ev, T> apply, Func<T, string, Random, (int Kind, int Value, ImmutableSortedSet<Dot> Observed)?> decide, int maxSteps = 30)
    {
        var known = Origins.Select(_ => new List<Ev>()).ToArray();
        var states = Origins.Select(_ => empty).ToArray();
        var all = new List<Ev>();
        var steps = random.Next(1, maxSteps);
        for (var step = 1; step <= steps; step++)
        {
            var at = random.Next(Origins.Length);
            if (random.Next(3) == 0)
            {
                var from = random.Next(Origins.Length);
                foreach (var e in known[from].Where(e => !known[at].Contains(e)).ToList())
                {
                    known[at].Add(e);
                    states[at] = apply(states[at], e);
                }

                continue;
            }

            var version = VersionOf(known[at]);
            var origin = Origins[at];
            if (decide(states[at], origin, random) is not { } op)
            {
                continue;
            }

            var ev = new Ev(new Dot(origin, version[origin] + 1), version, new HlcTimestamp(step / 3, step % 3, origin), op.Kind, op.Value, op.Observed);
            known[at].Add(ev);
            states[at] = apply(states[at], ev);
            all.Add(ev);
        }

        return all;
    }

    /// <summary>A random causal order: any event whose origin predecessor and dependencies are applied may come next; duplicates are mixed in.</summary>
    private static T Deliver<T>(Random random, List<Ev> events, T empty, Func<T, Ev, T> apply, bool duplicatesApply)
    {
        var pending = events.Concat(events.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next()).ToList();
        var applied = new List<Ev>();
        var state = empty;
        while (pending.Count > 0)
        {
            var version = VersionOf(applied);
            var ready = pending.Where(e => version[e.Dot.Origin] >= e.Dot.Seq || (version[e.Dot.Origin] == e.Dot.Seq - 1 && version.Covers(e.Deps))).ToList();
            var next = ready[random.Next(ready.Count)];
            pending.Remove(next);
            var duplicate = applied.Contains(next);
            if (!duplicate || duplicatesApply)
            {
                state = apply(state, next);
            }

            if (!duplicate)
            {
                applied.Add(next);
            }
        }

        return state;
    }

    private static VersionVector VersionOf(IEnumerable<Ev> events) =>
        events.Aggregate(VersionVector.Empty, (v, e) => v.With(e.Dot.Origin, e.Dot.Seq));
}
