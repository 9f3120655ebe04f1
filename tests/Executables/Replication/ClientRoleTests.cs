using Concord.Client.Cli;
using Concord.Client.Sdk;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Replication;

/// <summary>Credentials with roles: readers read, writers write, operators audit and cut links; a refusal changes nothing.</summary>
public sealed class ClientRoleTests : IAsyncLifetime
{
    private const string Reader = "reader-secret-0123456789";
    private const string Writer = "writer-secret-0123456789";
    private const string Operator = "operator-secret-0123456789";
    private TcpRegions _regions = null!;

    public async Task InitializeAsync() => _regions = await TcpRegions.StartAsync(
        options => options.ClientCredentials = [$"reader:{Reader}", $"writer:{Writer}", $"operator:{Operator}"],
        silo => silo.AddReplicatedEntity<Inventory.StockGrain, Inventory.Stock>(new Inventory.StockType()));

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    [Fact]
    public async Task Each_role_reaches_what_it_may_and_a_refused_call_changes_nothing()
    {
        var account = Names.Account("roles");
        await using var reader = Client(Reader);
        await using var writer = Client(Writer);
        await using var op = Client(Operator);

        var write = await Assert.ThrowsAsync<UnauthorizedException>(() => reader.DepositAsync(account, 5m));
        Assert.Equal((ClientRole.Writer, ClientRole.Reader), (write.Required, write.Presented));
        Assert.Equal(0m, (await reader.GetBalanceAsync(account)).Balance);

        await writer.DepositAsync(account, 5m);
        Assert.Equal(5m, (await reader.GetBalanceAsync(account)).Balance);
        var audit = await Assert.ThrowsAsync<UnauthorizedException>(() => writer.AuditAsync());
        Assert.Equal(ClientRole.Operator, audit.Required);
        await Assert.ThrowsAsync<UnauthorizedException>(() => writer.SetLinkFaultAsync("us", new LinkFault(Cut: true)));
        Assert.Equal("none", (await op.GetStatusAsync()).Peers.Single().Fault);

        Assert.True((await op.AuditAsync()).IsClean);

        // The links present the region's strongest credential, so replication still flows.
        await using var readerInUs = Client(Reader, "us");
        await Eventually.HoldsAsync(async () => (await readerInUs.GetBalanceAsync(account)).Balance == 5m, "the deposit reaches us over an authenticated link");
    }

    [Fact]
    public async Task A_teams_own_entity_is_covered_by_its_methods_roles()
    {
        await using var reader = Client(Reader);
        await using var writer = Client(Writer);

        await Assert.ThrowsAsync<UnauthorizedException>(() => reader.CallAsync<Inventory.IStockGrain, Concord.Grains.Interfaces.Entities.EntityReceipt>("nuts", (stock, _) => stock.RestockAsync("r-1", 3)));
        Assert.Equal(0, await reader.CallAsync<Inventory.IStockGrain, int>("nuts", async (stock, _) => (await stock.GetAsync()).Units));

        await writer.CallAsync<Inventory.IStockGrain, Concord.Grains.Interfaces.Entities.EntityReceipt>("nuts", (stock, _) => stock.RestockAsync("r-2", 3));
        Assert.Equal(3, await reader.CallAsync<Inventory.IStockGrain, int>("nuts", async (stock, _) => (await stock.GetAsync()).Units));
    }

    [Fact]
    public async Task The_cli_refuses_a_readers_write_with_one_line_and_exit_1()
    {
        var account = Names.Account("roles-cli");
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await ConcordCli.RunAsync(["--gateway", _regions.GatewayText("eu"), "--credential", Reader, "deposit", account, "1"], output, error);

        Assert.Equal(ExitCodes.Rejected, code);
        Assert.Equal($"error: Region 'eu' refuses IAccountGrain.DepositAsync to a reader credential: it needs the writer role.", error.ToString().TrimEnd());
        await using var reader = Client(Reader);
        Assert.Equal(0L, (await reader.GetBalanceAsync(account)).Position);
    }

    private ConcordClient Client(string credential, string region = "eu") => new(new ConcordClientOptions
    {
        Region = region,
        Gateways = [_regions.Gateway(region)],
        Credential = credential,
    });
}
