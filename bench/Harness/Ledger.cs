using Concord.Grains.Interfaces.Ledger;

namespace Concord.Bench.Harness;

/// <summary>Set-up helpers shared by scenarios: funding accounts through a region, many at a time.</summary>
public static class Ledger
{
    /// <summary>Deposits <paramref name="amount"/> into every account through <paramref name="client"/>, 50 at a time.</summary>
    public static Task FundAsync(IClusterClient client, IEnumerable<string> accounts, decimal amount, string tag, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            accounts,
            new ParallelOptions { MaxDegreeOfParallelism = 50, CancellationToken = cancellationToken },
            async (account, ct) => await client.GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand($"{tag}-{account}", amount), ct));
}
