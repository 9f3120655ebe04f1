using System.Net;
using Concord.Client.Cli;
using Concord.Client.Sdk;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Replication;

/// <summary>Two regions as real silos over loopback TCP, linked by the production link: replication, the CLI's status, SDK failover.</summary>
public sealed class TcpRegionsTests : IAsyncLifetime
{
    private TcpRegions _regions = null!;

    private IPEndPoint EuGateway => _regions.Gateway("eu");

    private IPEndPoint UsGateway => _regions.Gateway("us");

    public async Task InitializeAsync() => _regions = await TcpRegions.StartAsync();

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    [Fact]
    public async Task A_write_replicates_and_the_client_fails_over_when_its_region_goes_down()
    {
        var account = Names.Account("tcp");
        await using var client = new ConcordClient(new ConcordClientOptions
        {
            Region = "eu",
            Gateways = [EuGateway],
            FailoverRegions = ["us"],
            FailoverGateways = new() { ["us"] = [UsGateway] },
            ConnectTimeout = TimeSpan.FromSeconds(3),
            CallTimeout = TimeSpan.FromSeconds(3),
        });
        await using var usClient = new ConcordClient(new ConcordClientOptions { Region = "us", Gateways = [UsGateway] });

        await client.DepositAsync(account, 10m, "first");
        await Eventually.HoldsAsync(async () => (await usClient.GetBalanceAsync(account)).Balance == 10.00m, "the deposit replicates to us over TCP");

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            await _regions.Host("eu").StopAsync(stop.Token);
        }

        var receipt = await client.DepositAsync(account, 5m, "second");

        Assert.Equal("us", client.CurrentRegion);
        Assert.Equal("us", receipt.EventId.Origin);
        Assert.Equal(15.00m, (await client.GetBalanceAsync(account)).Balance);
        Assert.True((await client.DepositAsync(account, 10m, "first")).Replayed, "a retry of the first request through us takes effect once");
    }

    [Fact]
    public async Task Status_names_the_peer_and_admin_is_refused_without_fault_injection()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var status = await ConcordCli.RunAsync(["--region", "eu", "--gateway", _regions.GatewayText("eu"), "status"], output, error);
        var cut = await ConcordCli.RunAsync(["--region", "eu", "--gateway", _regions.GatewayText("eu"), "admin", "cut", "eu", "us", "--one-way"], output, error);

        Assert.Equal(ExitCodes.Success, status);
        Assert.Contains("region eu:", output.ToString());
        Assert.Contains("  us ", output.ToString());
        Assert.Equal(ExitCodes.InvalidInput, cut);
        Assert.Contains("fault injection", error.ToString());
    }
}
