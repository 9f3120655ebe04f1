using Concord.Bench.Harness;
using Concord.Grains.Diagnostics;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Microsoft.Extensions.DependencyInjection;

namespace Concord.Bench.Scenarios;

/// <summary>
/// The apology trade-off: one seeded workload of transfers, sent to all three regions while every link is cut, in
/// three modes on three sets of accounts with the same homes and funds. Strict (funded at home, so home holds every
/// share) pays in refusals while the home is unreachable; escrow (strict, the same funds deposited a third in each
/// region) decides within each region's share and refuses only beyond it; optimistic pays in apologies after the
/// merge. A chart of the three as points is written next to the JSON.
/// </summary>
public sealed class ApologyTradeoffScenario : IScenario
{
    public string Name => "apology";

    public string Description => "same partitioned workload, strict vs escrow vs optimistic: refusals vs apologies per 1,000";

    public async Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken)
    {
        var perRegion = context.Pick(60, 400);
        var accountCount = 24;
        var table = report.AddTable(
            $"The same {perRegion * 3:N0} transfers ({perRegion} per region, {accountCount} accounts of 100.00) during a full partition",
            "mode", "ops", "accepted", "refused: home unreachable", "refused: share short", "refused: funds here", "refused: frozen", "refused with funds somewhere", "apologies", "outage refusals per 1,000", "no-funds refusals per 1,000", "apologies per 1,000", "share asks per debit");
        var points = new List<(string Label, double Refused, double Apologies)>();
        foreach (var mode in new[] { Mode.Strict, Mode.Escrow, Mode.Optimistic })
        {
            // A fresh deployment per mode: no timers or shares of one mode's run reach the next.
            Action<ISiloBuilder>? configure = mode == Mode.Strict
                ? silo => silo.Services.PostConfigure<ConcordOptions>(o => o.EscrowLocalDecisions = false)
                : null;
            await using var deployment = await Deployment.StartAsync(context, 3, cancellationToken, configure);
            var regions = deployment.Regions;
            var homes = Enumerable.Range(0, accountCount).Select(i => regions[i % regions.Count]).ToArray();
            var random = context.RandomFor($"{Name}/workload");
            var workload = regions.ToDictionary(r => r, _ => Enumerable.Range(0, perRegion)
                .Select(_ =>
                {
                    var from = random.Next(accountCount);
                    var to = (from + 1 + random.Next(accountCount - 1)) % accountCount;
                    return (From: from, To: to, Amount: (long)random.Next(1, 31) * 100);
                }).ToArray(), StringComparer.Ordinal);
            var key = mode.ToString().ToLowerInvariant();
            var accounts = homes.Select((home, i) => AccountNames.HomedIn($"apo-{key}-{i}", home, regions)).ToArray();
            if (mode == Mode.Escrow)
            {
                // The same 100.00, deposited a third in each region: each region's deposit is its share.
                await Task.WhenAll(accounts.SelectMany(a => regions.Select((region, r) =>
                    deployment.Client(region).GetGrain<IAccountGrain>(a).DepositAsync(new DepositCommand($"fund-{region}", r == 0 ? 33.34m : 33.33m), cancellationToken))));
            }
            else
            {
                await Task.WhenAll(accounts.Select((a, i) => deployment.Client(homes[i]).GetGrain<IAccountGrain>(a).DepositAsync(new DepositCommand("fund", 100m), cancellationToken)));
            }

            await Deadline.UntilAsync(deployment.DigestsEqualAsync, TimeSpan.FromSeconds(30), "funding to reach every region", cancellationToken);
            foreach (var region in regions)
            {
                deployment.Isolate(region, cut: true);
            }

            context.Progress(Name, $"{key}: partitioned; running the workload");
            var consistency = mode == Mode.Optimistic ? ConsistencyMode.Optimistic : ConsistencyMode.Strict;
            var truth = new GlobalBalances(accountCount, 10_000);
            Outcome[] outcomes;
            long asks;
            using (var tap = new MetricTap(ConcordMetrics.MeterName, "concord.escrow.asks"))
            {
                outcomes = await Task.WhenAll(regions.Select(region => RunRegionAsync(deployment.Client(region), workload[region], accounts, consistency, key, region, truth, cancellationToken)));
                asks = tap.Total("concord.escrow.asks");
            }

            foreach (var region in regions)
            {
                deployment.Isolate(region, cut: false);
            }

            context.Progress(Name, $"{key}: healed; waiting for convergence and apologies");
            await Deadline.UntilAsync(() => SettledAsync(deployment, accounts, homes, cancellationToken), TimeSpan.FromSeconds(60), "convergence, and an apology for every overdrawn account", TimeSpan.FromMilliseconds(100), cancellationToken);
            var apologies = 0;
            for (var i = 0; i < accounts.Length; i++)
            {
                var log = await deployment.Store(homes[i]).ReadAsync(accounts[i], 1, int.MaxValue, cancellationToken);
                apologies += log.Count(l => l.Event.Payload is OverdraftApology);
            }

            var total = outcomes.Aggregate(Outcome.Zero, (a, b) => a + b);
            var ops = perRegion * regions.Count;
            var noFunds = total.Unreachable + total.ShareShort + total.Funds + total.Frozen - total.FundsSomewhere;
            table.Row(key, ops, total.Accepted, total.Unreachable, total.ShareShort, total.Funds, total.Frozen, total.FundsSomewhere, apologies, 1000.0 * total.FundsSomewhere / ops, 1000.0 * noFunds / ops, 1000.0 * apologies / ops, (double)asks / ops);
            points.Add((key, 1000.0 * total.FundsSomewhere / ops, 1000.0 * apologies / ops));
            report.Add($"{key}.accepted", total.Accepted, "ops");
            report.Add($"{key}.refused-unreachable-per-1000", 1000.0 * total.Unreachable / ops, "per 1,000 ops");
            report.Add($"{key}.refused-share-short-per-1000", 1000.0 * total.ShareShort / ops, "per 1,000 ops");
            report.Add($"{key}.refused-funds-here-per-1000", 1000.0 * total.Funds / ops, "per 1,000 ops");
            report.Add($"{key}.refused-frozen-per-1000", 1000.0 * total.Frozen / ops, "per 1,000 ops");
            report.Add($"{key}.refused-outage-per-1000", 1000.0 * total.FundsSomewhere / ops, "per 1,000 ops");
            report.Add($"{key}.refused-no-funds-per-1000", 1000.0 * noFunds / ops, "per 1,000 ops");
            report.Add($"{key}.apologies-per-1000", 1000.0 * apologies / ops, "per 1,000 ops");
            report.Add($"{key}.share-asks-per-debit", (double)asks / ops, "asks per debit");
            report.Add($"{key}.other-errors", total.Other, "ops");
        }

        var strictOutage = points[0].Refused;
        var escrow = points[1];
        report.Target("escrow outage refusals against strict's", strictOutage == 0 ? 0 : escrow.Refused / strictOutage, "<=", 1.0 / 3, "x");
        report.Target("escrow apologies", escrow.Apologies, "<=", 0, "per 1,000 ops");
        report.Target("escrow rebalancing messages", report.Figures.Single(f => f.Key == "escrow.share-asks-per-debit").Value, "<=", 0.05, "asks per debit");
        report.Files["apology-tradeoff.svg"] = TradeoffChart.Svg("The same partitioned workload in three modes", points);
        report.Note("Each region sends its own seeded list of transfers between random accounts (homes spread evenly over the three regions) while every link is cut, to a fresh three-region deployment per mode. Strict runs with EscrowLocalDecisions off (every strict debit decided at home, as before escrow); strict and optimistic accounts are funded at their home; escrow accounts get the same 100.00 as a third deposited in each region, which is each region's escrow share.");
        report.Note("A refusal is an outage refusal when the funds existed somewhere: the bench keeps the true balance of every account over all regions' accepted transfers, and checks it at the refusal. The columns before it say what the region answered: home unreachable (CoordinationUnavailableException), share short (InsufficientShareException), funds here (InsufficientFundsException from the deciding replica's view), frozen. Apologies are counted in the home regions' logs after all digests are equal. Share asks are rebalancing requests sent during the partition (all fail, the links are cut; failures back off), counted by the concord.escrow.asks instrument.");
    }

    private static async Task<Outcome> RunRegionAsync(IClusterClient client, (int From, int To, long Amount)[] ops, string[] accounts, ConsistencyMode mode, string tag, string region, GlobalBalances truth, CancellationToken cancellationToken)
    {
        var outcome = Outcome.Zero;
        for (var i = 0; i < ops.Length; i++)
        {
            var (from, to, amount) = ops[i];
            try
            {
                await client.GetGrain<IAccountGrain>(accounts[from]).TransferAsync(new TransferCommand($"{tag}-{region}-{i}", accounts[to], Money.ToDecimal(amount), mode), cancellationToken);
                truth.Moved(from, to, amount);
                outcome += Outcome.Zero with { Accepted = 1 };
                continue;
            }
            catch (CoordinationUnavailableException)
            {
                outcome += Outcome.Zero with { Unreachable = 1 };
            }
            catch (InsufficientShareException)
            {
                outcome += Outcome.Zero with { ShareShort = 1 };
            }
            catch (InsufficientFundsException)
            {
                outcome += Outcome.Zero with { Funds = 1 };
            }
            catch (AccountFrozenException)
            {
                outcome += Outcome.Zero with { Frozen = 1 };
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                outcome += Outcome.Zero with { Other = 1 };
                continue;
            }

            if (truth.Covers(from, amount))
            {
                outcome += Outcome.Zero with { FundsSomewhere = 1 };
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

    private enum Mode
    {
        Strict,
        Escrow,
        Optimistic,
    }

    private sealed record Outcome(int Accepted, int Unreachable, int ShareShort, int Funds, int Frozen, int FundsSomewhere, int Other)
    {
        public static Outcome Zero { get; } = new(0, 0, 0, 0, 0, 0, 0);

        public static Outcome operator +(Outcome a, Outcome b) =>
            new(a.Accepted + b.Accepted, a.Unreachable + b.Unreachable, a.ShareShort + b.ShareShort, a.Funds + b.Funds, a.Frozen + b.Frozen, a.FundsSomewhere + b.FundsSomewhere, a.Other + b.Other);
    }

    /// <summary>Every account's true balance over all regions' accepted transfers, in minor units (a transfer's credit counted at once).</summary>
    private sealed class GlobalBalances(int accounts, long funding)
    {
        private readonly long[] _balances = Enumerable.Repeat(funding, accounts).ToArray();

        public void Moved(int from, int to, long amount)
        {
            lock (_balances)
            {
                _balances[from] -= amount;
                _balances[to] += amount;
            }
        }

        public bool Covers(int account, long amount)
        {
            lock (_balances)
            {
                return _balances[account] >= amount;
            }
        }
    }
}
