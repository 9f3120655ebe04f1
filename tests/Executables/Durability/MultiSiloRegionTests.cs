using System.Collections.Concurrent;
using Concord.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Concord.Tests.Durability;

/// <summary>A region of two silo processes sharing one PostgreSQL database (ADO.NET clustering); one is killed.</summary>
public sealed class MultiSiloRegionTests(ITestOutputHelper output)
{
    [PostgresFact]
    public async Task Entities_move_to_the_surviving_silo_with_nothing_lost_and_links_keep_working()
    {
        await using var deployment = new DurableDeployment();
        await deployment.AddRegionAsync("eu", silos: 2);
        await deployment.AddRegionAsync("us");
        var euFirst = await deployment.StartSiloAsync("eu", 0);
        await deployment.StartSiloAsync("eu", 1);
        await deployment.StartSiloAsync("us");
        var accounts = new List<string>();

        await using var eu = deployment.Client("eu");
        await using var us = deployment.Client("us");
        var acknowledged = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        async Task DepositToNewAccountsAsync(int count)
        {
            foreach (var account in Enumerable.Range(accounts.Count, count).Select(i => $"acc-multi-{i}").ToList())
            {
                accounts.Add(account);
                await eu.DepositAsync(account, 10m, $"{account}-before");
                acknowledged[$"{account}-before"] = account;
            }
        }

        await DepositToNewAccountsAsync(40);

        // Membership lists two active silos.
        Assert.Equal(2, await ActiveSilosAsync(deployment));
        // Orleans' management grain is no part of the SDK: reach it with a plain Orleans client of the region.
        using var managementHost = Concord.Grains.Interfaces.Replication.RegionClientHost.Create("eu", deployment.Gateways("eu"), "concord", new() { ConnectRetryDelay = TimeSpan.FromMilliseconds(200) });
        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await managementHost.StartAsync(connect.Token);
        }

        var management = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IClusterClient>(managementHost.Services).GetGrain<IManagementGrain>(0);
        async Task<int> AccountHostsAsync() => (await management.GetDetailedGrainStatistics())
            .Where(s => s.GrainType.Contains("AccountGrain", StringComparison.Ordinal))
            .Select(s => s.SiloAddress)
            .Distinct()
            .Count();

        // Accounts must live on both silos, the one killed below included. Orleans places a new activation where it
        // sees least load, preferring the silo the call arrived at, so a client that reached one gateway first may
        // put all of the first accounts there: more accounts are opened until both silos hold some.
        await Eventually.HoldsAsync(
            async () =>
            {
                if (await AccountHostsAsync() == 2)
                {
                    return true;
                }

                await DepositToNewAccountsAsync(20);
                return false;
            },
            "accounts live on both silos of eu",
            TimeSpan.FromSeconds(60));

        await euFirst.KillAsync();
        output.WriteLine("killed eu-0");

        // The client fails over to the surviving gateway; accounts that lived on the dead silo reactivate there.
        foreach (var account in accounts)
        {
            await Eventually.HoldsAsync(
                async () =>
                {
                    try
                    {
                        await eu.DepositAsync(account, 1m, $"{account}-after");
                        return true;
                    }
                    catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                    {
                        return false;
                    }
                },
                $"{account} takes writes after eu-0 died",
                TimeSpan.FromSeconds(60));
            acknowledged[$"{account}-after"] = account;
        }

        var euLog = await deployment.RequestIdsAsync("eu", "eu");
        Assert.All(acknowledged.Keys, id => Assert.Contains(id, euLog));
        foreach (var account in accounts)
        {
            Assert.Equal(11.00m, (await eu.GetBalanceAsync(account)).Balance);
        }

        // Links keep working through the region's remaining gateway, both ways.
        await us.DepositAsync(accounts[0], 5m, "from-us-after-kill");
        // us's link to eu may still be on eu-0's gateway: it must time out, back off and move to eu-1 first, so this
        // wait gets the same bound as the convergence below, not the default.
        await Eventually.HoldsAsync(async () => (await eu.GetBalanceAsync(accounts[0])).Balance == 16.00m, "us's write reaches eu", TimeSpan.FromSeconds(90));
        await Eventually.HoldsAsync(
            async () => (await deployment.Store("eu").GetDigestAsync()).Root == (await deployment.Store("us").GetDigestAsync()).Root,
            "eu and us converge",
            TimeSpan.FromSeconds(90));
        foreach (var account in accounts)
        {
            Assert.Equal((await eu.GetBalanceAsync(account)).Balance, (await us.GetBalanceAsync(account)).Balance);
        }
    }

    /// <summary>Active silos of eu, as its membership table records them.</summary>
    private static async Task<int> ActiveSilosAsync(DurableDeployment deployment)
    {
        await using var command = deployment.Database("eu").CreateCommand("SELECT count(*) FROM orleansmembershiptable WHERE status = 3");
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }
}
