using System.Collections.Concurrent;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Replication;
using Concord.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Concord.Tests.Replication;

/// <summary>
/// Faults that reach the replicas, not only the link: duplicated and late batches re-authenticated below the peer's
/// replay filter, acks lost after the batch was applied, receipts of forwarded strict transfers lost after the home
/// decided, all while writers in every region run at once. Every account must end at exactly the balance its
/// acknowledged history gives, every acknowledged request must have taken effect once, and a refused one nowhere.
/// </summary>
[Collection(MultiRegionCollection.Name)]
public sealed class ApplyPathFaultTests(MultiRegionFixture regions, ITestOutputHelper output)
{
    private const int WritersPerRegion = 2;
    private const int OperationsPerWriter = 30;
    private const int MaxAttempts = 30;

    private readonly ConcurrentDictionary<string, string> _outcomes = new(StringComparer.Ordinal);

    /// <summary>What a failing wait prints: each region's view of the account, and its log with what the writers were told.</summary>
    private async Task<string> DescribeAsync(string account, decimal want)
    {
        var lines = new List<string> { $"{account}: want {want}" };
        foreach (var region in MultiRegionFixture.Regions)
        {
            var view = await regions.Grains(region).GetGrain<IAccountGrain>(account).GetBalanceAsync();
            lines.Add($"  {region}: {view.Balance} at {view.Version}, known ahead {view.KnownAhead}");
        }

        foreach (var e in await regions.Store(MultiRegionFixture.Regions[0]).ReadAsync(account, 1, 10_000))
        {
            lines.Add($"  {e.Event.Id} {e.Event.RequestId} {e.Event.Payload} -> {_outcomes.GetValueOrDefault(e.Event.RequestId, "?")}");
        }

        return string.Join(Environment.NewLine, lines);
    }

    [Fact]
    public async Task Authenticated_copies_and_lost_replies_under_concurrent_writers_leave_exact_balances()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CONCORD_TEST_SEED"), out var s) ? s : 1207;
        output.WriteLine($"seed {seed} (replay: CONCORD_TEST_SEED={seed})");
        var accounts = Enumerable.Range(0, 6).Select(i => $"apf{seed}-{i}").ToArray();
        var expected = new ConcurrentDictionary<string, long>(accounts.ToDictionary(a => a, _ => 0L), StringComparer.Ordinal);
        var acknowledged = new ConcurrentBag<(string Account, string RequestId)>();
        var refused = new ConcurrentBag<(string Account, string RequestId)>();
        var copiesBefore = MultiRegionFixture.Regions.Sum(r => regions.Service<InboundReplicationMonitor>(r).CopiesIgnored);
        var lostBefore = MultiRegionFixture.Regions.Sum(r => regions.Faults(r).RepliesLost);

        var faultSeed = new Random(seed);
        foreach (var from in MultiRegionFixture.Regions)
        {
            foreach (var to in MultiRegionFixture.Regions.Where(r => r != from))
            {
                regions.Faults(from).Set(to, new LinkFault(DropRate: 0.3, DuplicateRate: 0.5, ReorderRate: 0.3, Seed: faultSeed.Next()));
            }
        }

        try
        {
            var writers = MultiRegionFixture.Regions
                .SelectMany((region, r) => Enumerable.Range(0, WritersPerRegion).Select(w => (Region: region, Seed: (seed * 31) + (r * WritersPerRegion) + w)))
                .Select(writer => Task.Run(() => WriteAsync(writer.Region, writer.Seed)))
                .ToArray();
            await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally
        {
            regions.HealAll();
        }

        async Task WriteAsync(string region, int writerSeed)
        {
            var random = new Random(writerSeed);
            for (var op = 0; op < OperationsPerWriter; op++)
            {
                var account = accounts[random.Next(accounts.Length)];
                var cents = random.Next(1, 500);
                var requestId = $"w{writerSeed}-op{op}";
                if (random.Next(3) == 0)
                {
                    await regions.Grains(region).GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand(requestId, Money.ToDecimal(cents)));
                    expected.AddOrUpdate(account, cents, (_, b) => b + cents);
                    acknowledged.Add((account, requestId));
                    continue;
                }

                // A transfer, strict or optimistic, retried with the same request id until it is answered, where the SDK
                // retries (the same region): a lost receipt means the first attempt may already have taken effect at
                // the home. Retries in another region are the simulator's (docs/reliability.md, finding 4).
                var to = accounts[(Array.IndexOf(accounts, account) + 1 + random.Next(accounts.Length - 1)) % accounts.Length];
                var command = new TransferCommand(requestId, to, Money.ToDecimal(cents), random.Next(2) == 0 ? ConsistencyMode.Strict : ConsistencyMode.Optimistic);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await regions.Grains(region).GetGrain<IAccountGrain>(account).TransferAsync(command);
                        expected.AddOrUpdate(account, -cents, (_, b) => b - cents);
                        expected.AddOrUpdate(to, cents, (_, b) => b + cents);
                        acknowledged.Add((account, requestId));
                        _outcomes[requestId] = $"acknowledged after {attempt} attempt(s)";
                        break;
                    }
                    catch (Exception ex) when (ex is InsufficientFundsException or InsufficientShareException or AccountFrozenException)
                    {
                        refused.Add((account, requestId));
                        _outcomes[requestId] = $"refused ({ex.GetType().Name}) after {attempt} attempt(s)";
                        break;
                    }
                    catch (CoordinationUnavailableException) when (attempt < MaxAttempts)
                    {
                        // A client's pause between retries (the SDK backs off too), bounded by MaxAttempts; nothing
                        // waits on it, the test waits on conditions below.
                        await Task.Delay(20);
                    }
                }
            }
        }

        // Each account converges (one version everywhere, I5) on exactly the balance its acknowledged history gives.
        foreach (var account in accounts)
        {
            var want = Money.ToDecimal(expected[account]);
            await Eventually.HoldsAsync(
                async () =>
                {
                    var views = await Task.WhenAll(MultiRegionFixture.Regions.Select(r => regions.Grains(r).GetGrain<IAccountGrain>(account).GetBalanceAsync()));
                    return views.All(v => v.Balance == want && v.Version.Equals(views[0].Version) && !v.IsKnownBehind);
                },
                $"{account} is {want} with one version in every region (seed {seed})",
                TimeSpan.FromSeconds(60),
                () => DescribeAsync(account, want));
        }

        foreach (var region in MultiRegionFixture.Regions)
        {
            var store = regions.Store(region);
            foreach (var (account, requestId) in acknowledged)
            {
                Assert.True((await store.FindByRequestAsync(account, requestId)).Count == 1, $"{requestId} does not appear exactly once in {account} at {region} (seed {seed})");
            }

            foreach (var (account, requestId) in refused)
            {
                Assert.True((await store.FindByRequestAsync(account, requestId)).Count == 0, $"refused {requestId} left a trace in {account} at {region} (seed {seed})");
            }
        }

        // The faults bit where they were meant to: copies reached replicas (and were ignored there), and replies were
        // lost after the call had taken effect.
        var copies = MultiRegionFixture.Regions.Sum(r => regions.Service<InboundReplicationMonitor>(r).CopiesIgnored) - copiesBefore;
        var lost = MultiRegionFixture.Regions.Sum(r => regions.Faults(r).RepliesLost) - lostBefore;
        output.WriteLine($"{acknowledged.Count} acknowledged, {refused.Count} refused; {copies} copies reached replicas; {lost} replies lost");
        Assert.True(copies > 0, "no duplicated or late event reached a replica");
        Assert.True(lost > 0, "no reply was lost after its call took effect");
    }
}
