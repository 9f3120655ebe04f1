using Concord.Client.Sdk;
using Concord.Grains.Interfaces.Errors;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Replication;

/// <summary>
/// A region that lists reader credentials only still starts: its own start-up calls present the silo's own
/// credential, not the strongest configured one (which once refused them and stopped the silo).
/// </summary>
public sealed class ReaderOnlyRegionTests
{
    private const string Reader = "reader-only-secret-0123456";

    [Fact]
    public async Task A_region_with_reader_credentials_only_starts_and_serves_its_readers()
    {
        await using var regions = await TcpRegions.StartAsync(options => options.ClientCredentials = [$"reader:{Reader}"]);
        await using var reader = new ConcordClient(new ConcordClientOptions
        {
            Region = "eu",
            Gateways = [regions.Gateway("eu")],
            Credential = Reader,
        });

        Assert.Equal("eu", (await reader.GetStatusAsync()).Region);
        await Assert.ThrowsAsync<UnauthorizedException>(() => reader.DepositAsync(Names.Account("reader-only"), 1m));
    }
}
