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

                return perRegion.Values.All(balances => balances.Sum(b => b.Balance) == expectedSum);
            },
            $"all regions converge with the accounts summing to {Money.Format(expectedSum)}",
            timeout ?? TimeSpan.FromSeconds(30));

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
}
