using System.Collections.Concurrent;
using Concord.Grains.Interfaces.Ledger;
using Concord.Silo.Hosting;
using Concord.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Concord.Tests.Durability;

/// <summary>Silo processes on PostgreSQL killed with SIGKILL: what was acknowledged survives, nothing is half-applied.</summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    [PostgresFact]
    public async Task Every_acknowledged_write_survives_a_sigkill_and_the_regions_converge()
    {
        await using var deployment = new DurableDeployment();
        await deployment.AddRegionAsync("eu");
        await deployment.AddRegionAsync("us");
        await deployment.AddRegionAsync("ap");
        var eu = await deployment.StartSiloAsync("eu");
        await deployment.StartSiloAsync("us");
        await deployment.StartSiloAsync("ap");
        var accounts = Enumerable.Range(0, 12).Select(i => $"acc-crash-{i}").ToArray();

        // Writers in both regions; eu is killed under them. Each request id is used once, so the log says exactly
        // which writes took effect.
        var acknowledged = new ConcurrentDictionary<string, (string Region, string Account, decimal Amount)>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        async Task WriteAsync(string region, int writer)
        {
            await using var client = deployment.Client(region);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var (account, amount, request) = (accounts[(writer + i) % accounts.Length], 1 + (i % 5), $"{region}-w{writer}-{i}");
                try
                {
                    await client.DepositAsync(account, amount, request, stop.Token);
                    acknowledged[request] = (region, account, amount);
                }
                catch (Exception) when (!stop.IsCancellationRequested)
                {
                    // Not acknowledged: it may or may not have taken effect, but never partly. A short pause paces the
                    // next write while eu is down; nothing waits on it, the test waits on conditions below.
                    await Task.Delay(50);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() => WriteAsync("eu", w))).Append(Task.Run(() => WriteAsync("us", 9))).Append(Task.Run(() => WriteAsync("ap", 8))).ToArray();
        await Eventually.HoldsAsync(() => Task.FromResult(acknowledged.Count(a => a.Value.Region == "eu") >= 150), "eu acknowledges writes", TimeSpan.FromSeconds(60));

        await eu.KillAsync();
        var ackedBeforeKill = acknowledged.Where(a => a.Value.Region == "eu").Select(a => a.Key).ToArray();
        output.WriteLine($"killed eu after {ackedBeforeKill.Length} acknowledged eu writes");

        await deployment.StartSiloAsync("eu");
        await Eventually.HoldsAsync(() => Task.FromResult(acknowledged.Count(a => a.Value.Region == "eu") >= ackedBeforeKill.Length + 50), "eu takes writes again after the restart", TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        // Every acknowledged write is in its region's log (once: RequestIdsAsync refuses duplicates).
        var euLog = await deployment.RequestIdsAsync("eu", "eu");
        Assert.All(acknowledged.Where(a => a.Value.Region == "eu"), a => Assert.Contains(a.Key, euLog));
        foreach (var region in new[] { "us", "ap" })
        {
            var log = await deployment.RequestIdsAsync(region, region);
            Assert.All(acknowledged.Where(a => a.Value.Region == region), a => Assert.Contains(a.Key, log));
        }

        // Replication resumes from its durable cursors: the three regions converge on the same events.
        await Eventually.HoldsAsync(
            async () =>
            {
                var eu = (await deployment.Store("eu").GetDigestAsync()).Root;
                return eu == (await deployment.Store("us").GetDigestAsync()).Root && eu == (await deployment.Store("ap").GetDigestAsync()).Root;
            },
            "eu, us and ap hold the same events (equal digests)",
            TimeSpan.FromSeconds(90));

        // Replicas rebuilt from snapshot + log equal a fold of the log, in both regions: nothing half-applied.
        await using var euClient = deployment.Client("eu");
        await using var usClient = deployment.Client("us");
        foreach (var account in accounts)
        {
            var logged = await deployment.Store("eu").ReadAsync(account, 1, int.MaxValue);
            var expected = Money.ToDecimal(logged.Sum(e => e.Event.Payload is Deposited d ? d.Amount : 0));
            Assert.Equal(expected, (await euClient.GetBalanceAsync(account)).Balance);
            await Eventually.HoldsAsync(async () => (await usClient.GetBalanceAsync(account)).Balance == expected, $"us's replica of {account} equals the log");
        }

        // Both regions' signed checkpoints were verified and archived in eu's database, across the kill.
        await Eventually.HoldsAsync(
            async () =>
            {
                await using var signers = deployment.Database("eu").CreateCommand("SELECT count(*) FROM concord_checkpoint_heads");
                return Convert.ToInt32(await signers.ExecuteScalarAsync()) == 3;
            },
            "eu archived the newest checkpoint of every region",
            TimeSpan.FromSeconds(60));

        // Each region's full audit, which also re-verifies every signed checkpoint archived before and after the kill.
        await using var apClient = deployment.Client("ap");
        foreach (var client in new[] { euClient, usClient, apClient })
        {
            var report = await client.AuditAsync();
            Assert.True(report.IsClean, string.Join("; ", report.Findings));
        }
    }

    [PostgresFact]
    public async Task A_batch_transfer_killed_between_commit_and_append_completes_exactly_once()
    {
        await using var deployment = new DurableDeployment();
        await deployment.AddRegionAsync("eu");
        var pausing = await deployment.StartSiloAsync("eu", environment: new Dictionary<string, string> { [RegionHost.PauseAfterCommitVariable] = "1" });
        var (a, b, c) = ("acc-batch-a", "acc-batch-b", "acc-batch-c");
        TransferLeg[] legs = [new(a, c, 30m), new(b, c, 20m)];
        await using (var client = deployment.Client("eu"))
        {
            await client.DepositAsync(a, 100m, "fund-a");
            await client.DepositAsync(b, 100m, "fund-b");

            // The silo stops the batch after its transaction commits; the test kills it right there.
            var batch = client.BatchTransferAsync(legs, "batch-crash");
            await pausing.WaitForLineAsync(l => l.Contains("batch batch-crash committed", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            await pausing.KillAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => batch);
        }

        var store = deployment.Store("eu");
        Assert.Equal(1, await store.GetHeadAsync(a));
        Assert.Equal(1, await store.GetHeadAsync(b));

        // No client retries and nothing touches the accounts: the durable hold's reminder drives the appends.
        await deployment.StartSiloAsync("eu");
        await Eventually.HoldsAsync(
            async () => await store.GetHeadAsync(a) == 2 && await store.GetHeadAsync(b) == 2,
            "recovery appends both held debits",
            TimeSpan.FromSeconds(120));

        await using var retry = deployment.Client("eu");
        var receipt = await retry.BatchTransferAsync(legs, "batch-crash");
        Assert.True(receipt.Replayed, "the client's retry finds the batch already complete");
        await Eventually.HoldsAsync(async () => (await retry.GetBalanceAsync(c)).Balance == 50.00m, "both credits reach the destination");
        Assert.Equal(70.00m, (await retry.GetBalanceAsync(a)).Balance);
        Assert.Equal(80.00m, (await retry.GetBalanceAsync(b)).Balance);
        Assert.Equal(2, await store.GetHeadAsync(a));
        Assert.Single(await store.FindByRequestAsync(a, "batch-crash/0"));
        Assert.Single(await store.FindByRequestAsync(b, "batch-crash/1"));
    }
}
