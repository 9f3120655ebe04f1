using Concord.Client.Cli;
using Concord.Client.Sdk;
using Concord.Grains.Interfaces.Errors;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Replication;

/// <summary>Two regions that require a client credential: clients without one are refused, links with one replicate.</summary>
public sealed class ClientAuthenticationTests : IAsyncLifetime
{
    private const string Credential = "test-credential-0123456789";
    private TcpRegions _regions = null!;

    public async Task InitializeAsync() => _regions = await TcpRegions.StartAsync(
        options => options.ClientCredentials = [Credential],
        silo => silo.AddReplicatedEntity<Inventory.StockGrain, Inventory.Stock>(new Inventory.StockType()));

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    [Fact]
    public async Task Calls_without_the_credential_are_refused_and_change_nothing()
    {
        var account = Names.Account("auth");
        await using var anonymous = new ConcordClient(Options("eu", credential: null));
        await using var wrong = new ConcordClient(Options("eu", credential: "not-the-credential-at-all"));
        await using var trusted = new ConcordClient(Options("eu", Credential));
        await using var trustedUs = new ConcordClient(Options("us", Credential));

        await Assert.ThrowsAsync<UnauthenticatedException>(() => anonymous.DepositAsync(account, 5m));
        await Assert.ThrowsAsync<UnauthenticatedException>(() => wrong.DepositAsync(account, 5m));
        await trusted.DepositAsync(account, 7m);

        Assert.Equal(7.00m, (await trusted.GetBalanceAsync(account)).Balance);
        await Eventually.HoldsAsync(async () => (await trustedUs.GetBalanceAsync(account)).Balance == 7.00m, "the peer link presents the credential and replicates");

        var output = new StringWriter();
        var error = new StringWriter();
        var refused = await ConcordCli.RunAsync(["--gateway", _regions.GatewayText("eu"), "balance", account], output, error);
        var accepted = await ConcordCli.RunAsync(["--gateway", _regions.GatewayText("eu"), "--credential", Credential, "balance", account], output, error);
        Assert.Equal(ExitCodes.Rejected, refused);
        Assert.Contains("requires a client credential", error.ToString());
        Assert.Equal(ExitCodes.Success, accepted);
    }

    [Fact]
    public async Task A_grain_of_a_teams_own_namespace_is_covered_by_the_credential_check_too()
    {
        await using var client = new ConcordClient(Options("eu", credential: null));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var trusted = new ConcordClient(Options("eu", Credential));

        // The SDK's own call to a team's grain carries no credential here, so it is refused like any other.
        await Assert.ThrowsAsync<UnauthenticatedException>(() => client.CallAsync<Inventory.IStockGrain, bool>("bolts", async (stock, _) =>
        {
            await stock.RestockAsync("r-1", 5);
            return true;
        }, deadline.Token));

        Assert.Equal(0, await trusted.CallAsync<Inventory.IStockGrain, int>("bolts", async (stock, _) => (await stock.GetAsync()).Units, deadline.Token));
        await trusted.CallAsync<Inventory.IStockGrain, bool>("bolts", async (stock, _) =>
        {
            await stock.RestockAsync("r-2", 5);
            return true;
        }, deadline.Token);
        Assert.Equal(5, await trusted.CallAsync<Inventory.IStockGrain, int>("bolts", async (stock, _) => (await stock.GetAsync()).Units, deadline.Token));
    }

    private ConcordClientOptions Options(string region, string? credential) => new()
    {
        Region = region,
        Gateways = [_regions.Gateway(region)],
        Credential = credential,
    };
}
