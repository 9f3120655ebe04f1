using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Replication;

internal static class ConvergenceAssertions
{
    /// <summary>
    /// Waits until every region holds the same events (equal digests) and every transfer is credited (the
    /// accounts' sum is <paramref name="expectedSum"/> everywhere), then checks every account is identical
    /// in every region: same balance, same version vector (I5), and conservation (I2).
    /// </summary>
    public static async Task AssertConvergedAsync(MultiRegionFixture regions, IReadOnlyList<string> accounts, long expectedSum, TimeSpan? timeout = null)
    {
        Dictionary<string, BalanceView[]> perRegion = [];
        await Eventually.HoldsAsync(
            async () =>
            {
                var digests = await Task.WhenAll(MultiRegionFixture.Regions.Select(r => regions.Store(r).GetDigestAsync().AsTask()));
                if (digests.Any(d => d.Root != digests[0].Root))
                {
                    return false;
                }

                foreach (var region in MultiRegionFixture.Regions)
                {
                    perRegion[region] = await Task.WhenAll(accounts.Select(a => regions.Grains(region).GetGrain<IAccountGrain>(a).GetBalanceAsync()));
                }

                // An overdraft is settled only once its home region has apologised (I6); until then it is in motion.
                return perRegion.Values.All(balances => balances.Sum(b => b.Balance) == Money.ToDecimal(expectedSum) && balances.All(b => b.Balance >= 0 || b.Frozen));
            },
            $"all regions converge with the accounts summing to {Money.Format(expectedSum)}",
            timeout ?? TimeSpan.FromSeconds(30),
            async () =>
            {
                var digests = await Task.WhenAll(MultiRegionFixture.Regions.Select(async r => $"{r} digest {(await regions.Store(r).GetDigestAsync()).Root.ToString()[..12]}"));
                var views = perRegion.Select(p => $"{p.Key}: {string.Join(", ", p.Value.Select(b => $"{b.Account} {b.Balance}{(b.Frozen ? " frozen" : string.Empty)} {b.Version}"))}");
                return string.Join(Environment.NewLine, digests.Concat(views));
            });

        foreach (var balances in perRegion.Values)
        {
            for (var i = 0; i < accounts.Count; i++)
            {
                Assert.Equal(perRegion["eu"][i].Balance, balances[i].Balance);
                Assert.Equal(perRegion["eu"][i].Version, balances[i].Version);
                Assert.False(balances[i].IsKnownBehind, $"{balances[i].Account} in {balances[i].Region} still waits for events");
            }
        }
    }

    /// <summary>
    /// I6 after convergence: an overdrawn account has an apology, every apology was appended by the
    /// account's home region, and no two apologies cover the same overdraft (between two apologies the
    /// home's log shows the balance back at zero or above).
    /// </summary>
    public static async Task AssertEveryOverdraftApologisedAsync(MultiRegionFixture regions, IReadOnlyList<string> accounts)
    {
        foreach (var account in accounts)
        {
            var home = HomeRegions.OfAccount(account, MultiRegionFixture.Regions);
            var balance = await regions.Grains(home).GetGrain<IAccountGrain>(account).GetBalanceAsync();
            var log = await regions.Store(home).ReadAsync(account, 1, 10_000);
            var apologies = log.Where(e => e.Event.Payload is OverdraftApology).ToList();
            Assert.All(apologies, a => Assert.Equal(home, a.Event.Origin));
            if (balance.Balance < 0)
            {
                Assert.NotEmpty(apologies);
                Assert.True(balance.Frozen, $"{account} is overdrawn and must refuse optimistic debits");
            }

            // Replay the home's log: a second apology only after the balance was back at zero or above.
            long running = 0;
            var recoveredSinceApology = true;
            var winners = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in log.Select(l => l.Event))
            {
                if (winners.Add(e.RequestId))
                {
                    running += e.Payload switch
                    {
                        Deposited d => d.Amount,
                        Credited c => c.Amount,
                        Debited d => -d.Amount,
                        PaidOut p => -p.Amount,
                        _ => 0,
                    };
                }

                if (e.Payload is OverdraftApology)
                {
                    Assert.True(recoveredSinceApology, $"{account} has two apologies for one overdraft");
                    recoveredSinceApology = false;
                }
                else if (running >= 0)
                {
                    recoveredSinceApology = true;
                }
            }
        }
    }
}
