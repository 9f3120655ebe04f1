using Concord.Bench.Harness;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Bench.Scenarios;

/// <summary>
/// The apology trade-off: one seeded workload of transfers, sent to all three regions while every link is cut,
/// once in strict mode and once in optimistic mode (on two sets of accounts with the same homes and funds).
/// Strict pays in refusals while the home is unreachable; optimistic pays in apologies after the merge.
/// </summary>
public sealed class ApologyTradeoffScenario : IScenario
{
    public string Name => "apology";

    public string Description => "same partitioned workload, strict vs optimistic: refusals vs apologies per 1,000";

    public async Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken)
    {
        await using var deployment = await Deployment.StartAsync(context, 3, cancellationToken);
        var regions = deployment.Regions;
        var perRegion = context.Pick(60, 400);
        var accountCount = 24;
        var homes = Enumerable.Range(0, accountCount).Select(i => regions[i % regions.Count]).ToArray();
        var random = context.RandomFor($"{Name}/workload");
        var workload = regions.ToDictionary(r => r, _ => Enumerable.Range(0, perRegion)
            .Select(_ =>
            {
                var from = random.Next(accountCount);
                var to = (from + 1 + random.Next(accountCount - 1)) % accountCount;
                return (From: from, To: to, Amount: (decimal)random.Next(1, 31));
            }).ToArray(), StringComparer.Ordinal);

        var table = report.AddTable($"The same {perRegion * regions.Count:N0} transfers ({perRegion} per region, {accountCount} accounts of 100.00) during a full partition", "mode", "ops", "accepted", "refused: home unreachable", "refused: funds", "refused: frozen", "apologies", "refused per 1,000", "apologies per 1,000");
        foreach (var mode in new[] { ConsistencyMode.Strict, ConsistencyMode.Optimistic })
        {
            var tag = mode == ConsistencyMode.Strict ? "s" : "o";
            var accounts = homes.Select((home, i) => AccountNames.HomedIn($"apo-{tag}-{i}", home, regions)).ToArray();
            await Task.WhenAll(accounts.Select((a, i) => deployment.Client(homes[i]).GetGrain<IAccountGrain>(a).DepositAsync(new DepositCommand("fund", 100m), cancellationToken)));
            await Deadline.UntilAsync(deployment.DigestsEqualAsync, TimeSpan.FromSeconds(30), "funding to reach every region", cancellationToken);

            foreach (var region in regions)
            {
                deployment.Isolate(region, cut: true);
            }

            context.Progress(Name, $"{mode}: partitioned; running the workload");
            var outcomes = await Task.WhenAll(regions.Select(region => RunRegionAsync(deployment.Client(region), workload[region], accounts, mode, tag, region, cancellationToken)));
            foreach (var region in regions)
            {
                deployment.Isolate(region, cut: false);
            }

            context.Progress(Name, $"{mode}: healed; waiting for convergence and apologies");
            await Deadline.UntilAsync(() => SettledAsync(deployment, accounts, homes, cancellationToken), TimeSpan.FromSeconds(60), "convergence, and an apology for every overdrawn account", TimeSpan.FromMilliseconds(100), cancellationToken);
            var apologies = 0;
            for (var i = 0; i < accounts.Length; i++)
            {
                var log = await deployment.Store(homes[i]).ReadAsync(accounts[i], 1, int.MaxValue, cancellationToken);
                apologies += log.Count(l => l.Event.Payload is OverdraftApology);
            }

            var total = outcomes.Aggregate(Outcome.Zero, (a, b) => a + b);
            var ops = perRegion * regions.Count;
            var refused = total.Unreachable;
            table.Row(mode.ToString(), ops, total.Accepted, total.Unreachable, total.Funds, total.Frozen, apologies, 1000.0 * refused / ops, 1000.0 * apologies / ops);
            var key = mode.ToString().ToLowerInvariant();
            report.Add($"{key}.accepted", total.Accepted, "ops");
            report.Add($"{key}.refused-unreachable-per-1000", 1000.0 * refused / ops, "per 1,000 ops");
            report.Add($"{key}.refused-funds-per-1000", 1000.0 * total.Funds / ops, "per 1,000 ops");
            report.Add($"{key}.refused-frozen-per-1000", 1000.0 * total.Frozen / ops, "per 1,000 ops");
            report.Add($"{key}.apologies-per-1000", 1000.0 * apologies / ops, "per 1,000 ops");
            report.Add($"{key}.other-errors", total.Other, "ops");
        }

        report.Note("Each region sends its own seeded list of transfers between random accounts (homes spread evenly over the three regions) while every link is cut; strict transfers whose source is homed elsewhere are refused at once (CoordinationUnavailableException).");
        report.Note("'refused: funds' is ordinary business refusal in both modes (the deciding replica's balance did not cover the debit); apologies are counted in the home regions' logs after all digests are equal.");
    }

    private static async Task<Outcome> RunRegionAsync(IClusterClient client, (int From, int To, decimal Amount)[] ops, string[] accounts, ConsistencyMode mode, string tag, string region, CancellationToken cancellationToken)
    {
        var outcome = Outcome.Zero;
        for (var i = 0; i < ops.Length; i++)
        {
            var (from, to, amount) = ops[i];
            try
            {
                await client.GetGrain<IAccountGrain>(accounts[from]).TransferAsync(new TransferCommand($"{tag}-{region}-{i}", accounts[to], amount, mode), cancellationToken);
                outcome += new Outcome(1, 0, 0, 0, 0);
            }
            catch (CoordinationUnavailableException)
            {
                outcome += new Outcome(0, 1, 0, 0, 0);
            }
            catch (InsufficientFundsException)
            {
                outcome += new Outcome(0, 0, 1, 0, 0);
            }
            catch (AccountFrozenException)
            {
                outcome += new Outcome(0, 0, 0, 1, 0);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                outcome += new Outcome(0, 0, 0, 0, 1);
            }
        }

        return outcome;
    }

    /// <summary>Equal digests, and every account overdrawn at its home carries its apology (is frozen).</summary>
    private static async Task<bool> SettledAsync(Deployment deployment, string[] accounts, string[] homes, CancellationToken cancellationToken)
    {
        if (!await deployment.DigestsEqualAsync())
        {
            return false;
        }

        for (var i = 0; i < accounts.Length; i++)
        {
            var balance = await deployment.Client(homes[i]).GetGrain<IAccountGrain>(accounts[i]).GetBalanceAsync(cancellationToken);
            if (balance.Balance < 0 && !balance.Frozen)
            {
                return false;
            }
        }

        return await deployment.DigestsEqualAsync();
    }

    private sealed record Outcome(int Accepted, int Unreachable, int Funds, int Frozen, int Other)
    {
        public static Outcome Zero { get; } = new(0, 0, 0, 0, 0);

        public static Outcome operator +(Outcome a, Outcome b) =>
            new(a.Accepted + b.Accepted, a.Unreachable + b.Unreachable, a.Funds + b.Funds, a.Frozen + b.Frozen, a.Other + b.Other);
    }
}
