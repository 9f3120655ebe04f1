using System.Diagnostics;
using Concord.Bench.Harness;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Bench.Scenarios;

/// <summary>
/// Footprint of one region: managed memory per idle account (one event each) with 100,000 accounts, and the time
/// to activate an account whose log holds 100,000 events (snapshot plus log tail, the product's activation path).
/// </summary>
public sealed class FootprintScenario : IScenario
{
    public string Name => "footprint";

    public string Description => "memory per idle account with 100,000 accounts; activation of a 100,000-event account";

    public async Task RunAsync(BenchContext context, ScenarioReport report, CancellationToken cancellationToken)
    {
        await using var deployment = await Deployment.StartAsync(context, 1, cancellationToken);
        var eu = deployment.Client("eu");
        var management = eu.GetGrain<IManagementGrain>(0);
        // Memory per replica does not depend on the storage kind; on PostgreSQL every new account costs several
        // round trips, so a smaller population keeps the run in minutes.
        var count = context.Pick(1_000, context.Postgres is null ? 100_000 : 5_000);
        await Ledger.FundAsync(eu, ["warm-0"], 1m, "warm", cancellationToken);
        await Deadline.UntilAsync(async () => (await eu.GetGrain<IRegionTotalsGrain>(0).GetAsync(cancellationToken)).Accounts == 1, TimeSpan.FromSeconds(30), "the warm-up account in the totals", cancellationToken);
        var activationsBefore = await management.GetTotalActivationCount();
        var before = ManagedBytes();

        context.Progress(Name, $"one deposit into each of {count:N0} accounts");
        var clock = Stopwatch.StartNew();
        await Ledger.FundAsync(eu, AccountNames.Any("idle", count), 1m, "one", cancellationToken);
        var writeSeconds = clock.Elapsed.TotalSeconds;
        await Deadline.UntilAsync(async () => (await eu.GetGrain<IRegionTotalsGrain>(0).GetAsync(cancellationToken)).Accounts == count + 1, TimeSpan.FromSeconds(300), $"all {count:N0} accounts in the region totals", TimeSpan.FromMilliseconds(200), cancellationToken);
        var after = ManagedBytes();
        var activations = await management.GetTotalActivationCount() - activationsBefore;
        var perAccount = (double)(after - before) / count;
        report.AddTable($"Memory of one region with {count:N0} idle accounts (one event each)", "accounts", "write s", "managed heap growth MB", "bytes per account", "activations per account")
            .Row(count, writeSeconds, (after - before) / 1e6, perAccount, (double)activations / count);
        report.Add("accounts", count, "accounts");
        report.Add("bytes-per-account", perAccount, "bytes");
        report.Add("activations-per-account", (double)activations / count, "activations");

        var events = context.Pick(1_000, 100_000);
        const string longAccount = "long-0";
        context.Progress(Name, $"{events:N0} events into {longAccount}");
        clock.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, events), new ParallelOptions { MaxDegreeOfParallelism = 50, CancellationToken = cancellationToken }, async (i, ct) =>
            await eu.GetGrain<IAccountGrain>(longAccount).DepositAsync(new DepositCommand($"l-{i}", 0.01m), ct));
        var longWriteRate = events / clock.Elapsed.TotalSeconds;
        await Deadline.UntilAsync(async () => (await eu.GetGrain<IAccountSummaryGrain>(longAccount).GetAsync(cancellationToken)).Position == events, TimeSpan.FromSeconds(120), $"the summary of {longAccount} to catch up", TimeSpan.FromMilliseconds(100), cancellationToken);

        var grain = eu.GetGrain<IAccountGrain>(longAccount);
        var samples = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            await management.DeactivateGrain(grain.GetGrainId(), cancellationToken);
            await Deadline.UntilAsync(async () => await management.GetGrainActivationCount((GrainReference)grain) == 0, TimeSpan.FromSeconds(30), $"{longAccount} to deactivate", TimeSpan.FromMilliseconds(10), cancellationToken);
            clock.Restart();
            var balance = await grain.GetBalanceAsync(cancellationToken);
            samples.Add(clock.Elapsed.TotalMilliseconds);
            if (balance.Position != events)
            {
                throw new InvalidOperationException($"{longAccount} activated at position {balance.Position}, not {events}");
            }
        }

        samples.Sort();
        report.AddTable($"Activation of an account with {events:N0} events (first call after deactivation, over TCP)", "events", "single-account write/s", "activation ms (median of 3)", "min ms", "max ms")
            .Row(events, longWriteRate, samples[1], samples[0], samples[^1]);
        report.Add("long-log.events", events, "events");
        report.Add("long-log.single-account-write-rate", longWriteRate, "deposits/s");
        report.Add("long-log.activation", samples[1], "ms");
        report.Note("Memory is the growth of this process's managed heap after full collections: the account replica, its log entries, its snapshot-less state, and the derived grains (summary, transfer processor) its event activated.");
        report.Note("Activation reads the newest snapshot (every 1,000 events) and folds the log tail after it; at the home region it also reads its holds in a small transaction. It includes one TCP round trip.");
    }

    private static long ManagedBytes()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
