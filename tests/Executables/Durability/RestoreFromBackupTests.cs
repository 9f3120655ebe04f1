using Concord.Grains.Interfaces.Errors;
using Concord.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Concord.Tests.Durability;

/// <summary>
/// A region's PostgreSQL database restored with <c>pg_restore</c> from a <c>pg_dump</c> taken before its last writes:
/// started with <c>--recover-from-peers</c>, it takes back from its peer every acknowledged write it lost, refuses
/// writes of its own until then, and continues its chains after what the peer holds instead of reusing a sequence.
/// </summary>
public sealed class RestoreFromBackupTests(ITestOutputHelper output)
{
    private static readonly string[] Accounts = [.. Enumerable.Range(0, 6).Select(i => $"acc-restore-{i}")];

    [PostgresFact]
    public async Task A_region_restored_from_an_older_backup_takes_back_its_lost_tail_and_continues_its_chains()
    {
        await using var deployment = new DurableDeployment();
        await deployment.AddRegionAsync("eu");
        await deployment.AddRegionAsync("us");
        var eu = await deployment.StartSiloAsync("eu");
        var us = await deployment.StartSiloAsync("us");
        var expected = Accounts.ToDictionary(a => a, _ => 0m, StringComparer.Ordinal);

        await DepositAsync(deployment, "eu", "before-dump", 18, expected);
        await DepositAsync(deployment, "us", "us", 6, expected);
        var dump = await deployment.DumpAsync("eu");

        // Acknowledged by eu after the dump, and held by us before eu's database is lost.
        var afterDump = await DepositAsync(deployment, "eu", "after-dump", 18, expected);
        await Eventually.HoldsAsync(
            async () => (await deployment.RequestIdsAsync("us", "eu")).IsSupersetOf(afterDump),
            "us holds every eu write made after the dump",
            TimeSpan.FromSeconds(60));

        await eu.KillAsync();
        await us.KillAsync();
        await deployment.RestoreAsync("eu", dump);
        var restored = await deployment.RequestIdsAsync("eu", "eu");
        Assert.Empty(restored.Intersect(afterDump));
        Assert.Equal(18, restored.Count);
        output.WriteLine($"eu restored from the dump: {restored.Count} own events, {afterDump.Count} acknowledged ones lost");

        // us is down: eu cannot take its tail back yet, so it takes no write of its own, and a refused one leaves no trace.
        eu = await deployment.StartSiloAsync("eu", extraArgs: ["--recover-from-peers"]);
        await using (var client = deployment.Client("eu"))
        {
            var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => client.DepositAsync(Accounts[0], 5, "during-recovery"));
            output.WriteLine($"refused while recovering: {refused.Message}");
            Assert.Contains("taking them back from its peers", refused.Message, StringComparison.Ordinal);
            var status = await client.GetStatusAsync();
            output.WriteLine($"status while us is down: {status.Recovery}");
            Assert.Contains("waiting for [us]", status.Recovery, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("during-recovery", await deployment.RequestIdsAsync("eu", "eu"));

        await deployment.StartSiloAsync("us");
        await Eventually.HoldsAsync(
            async () => (await deployment.RequestIdsAsync("eu", "eu")).IsSupersetOf(afterDump),
            "eu took back every acknowledged write it lost",
            TimeSpan.FromSeconds(60));

        // Writes resume once every peer has answered; each account's chain goes on after what us held.
        await using (var client = deployment.Client("eu"))
        {
            await Eventually.HoldsAsync(async () => (await client.GetStatusAsync()).Recovery is null, "eu's status says it has recovered", TimeSpan.FromSeconds(60));
            await Eventually.HoldsAsync(
                async () =>
                {
                    try
                    {
                        await client.DepositAsync(Accounts[0], 5, "after-recovery-first");
                        return true;
                    }
                    catch (StorageUnavailableException)
                    {
                        return false;
                    }
                },
                "eu takes writes again",
                TimeSpan.FromSeconds(60));
            expected[Accounts[0]] += 5;
        }

        await DepositAsync(deployment, "eu", "after-recovery", 12, expected);
        await Eventually.HoldsAsync(
            async () => (await deployment.Store("eu").GetDigestAsync()).Root == (await deployment.Store("us").GetDigestAsync()).Root,
            "eu and us hold the same events (equal digests)",
            TimeSpan.FromSeconds(60));

        // No sequence number was used twice: each (origin, seq) of every account names one event, the same in both regions.
        foreach (var account in Accounts)
        {
            var euLog = (await deployment.Store("eu").ReadAsync(account, 1, int.MaxValue)).Select(e => (e.Event.Origin, e.Event.Seq, e.Event.Hash)).ToHashSet();
            var usLog = (await deployment.Store("us").ReadAsync(account, 1, int.MaxValue)).Select(e => (e.Event.Origin, e.Event.Seq, e.Event.Hash)).ToHashSet();
            Assert.Equal(euLog.Count, euLog.Select(e => (e.Origin, e.Seq)).Distinct().Count());
            Assert.True(euLog.SetEquals(usLog), $"{account}: eu and us hold different events");
        }

        // Every acknowledged write once, and exactly the expected balance per account, in both regions.
        var euIds = await deployment.RequestIdsAsync("eu", "eu");
        Assert.Equal(18 + 18 + 1 + 12, euIds.Count);
        await using var euClient = deployment.Client("eu");
        await using var usClient = deployment.Client("us");
        foreach (var (account, balance) in expected)
        {
            await Eventually.HoldsAsync(async () => (await euClient.GetBalanceAsync(account)).Balance == balance, $"eu's balance of {account} is {balance}");
            await Eventually.HoldsAsync(async () => (await usClient.GetBalanceAsync(account)).Balance == balance, $"us's balance of {account} is {balance}");
        }

        // Each region's full audit: chains, derived state, signed checkpoints (no position signed twice), heads across regions.
        foreach (var client in new[] { euClient, usClient })
        {
            var report = await client.AuditAsync();
            Assert.True(report.IsClean, string.Join("; ", report.Findings));
        }
    }

    /// <summary>Deposits <paramref name="count"/> times through <paramref name="region"/>, spread over the accounts; returns the request ids.</summary>
    private static async Task<HashSet<string>> DepositAsync(DurableDeployment deployment, string region, string prefix, int count, Dictionary<string, decimal> expected)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using var client = deployment.Client(region);
        for (var i = 0; i < count; i++)
        {
            var (account, amount, request) = (Accounts[i % Accounts.Length], 1 + (i % 7), $"{prefix}-{i}");
            await client.DepositAsync(account, amount, request);
            expected[account] += amount;
            ids.Add(request);
        }

        return ids;
    }
}
