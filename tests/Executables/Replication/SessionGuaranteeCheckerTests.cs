using Concord.Client.Sdk;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Concord.Tests.Replication;

/// <summary>
/// A checker of the four session guarantees over random sessions: concurrent clients deposit, read and move between
/// two regions whose replication lags by up to a second. Each session knows what it saw of every account; every
/// answer is checked against it. A refusal (<see cref="SessionNotCaughtUpException"/>) is allowed, a stale answer is not.
/// </summary>
public sealed class SessionGuaranteeCheckerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Sessions = 3;
    private const int StepsPerSession = 15;
    private TcpRegions _regions = null!;

    public async Task InitializeAsync() => _regions = await TcpRegions.StartAsync(
        configureSilo: silo => silo.Services.PostConfigure<ConcordOptions>(options =>
        {
            options.ReplicationLinger = TimeSpan.FromSeconds(1);
            options.SessionCatchUpTimeout = TimeSpan.FromSeconds(3);
            options.StrictForwardTimeout = TimeSpan.FromSeconds(6);
        }));

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    [Fact]
    public async Task Random_sessions_see_no_violation_of_read_your_writes_monotonic_reads_monotonic_writes_or_writes_follow_reads()
    {
        var seed = Environment.GetEnvironmentVariable("CONCORD_TEST_SEED") is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : 20261202;
        output.WriteLine($"seed {seed} (set CONCORD_TEST_SEED to replay)");
        var accounts = Enumerable.Range(0, 3).Select(i => Names.Account($"checker-{i}")).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, Sessions).Select(s => RunSessionAsync(new Random(seed + s), accounts)));

        var (steps, refusals) = (results.Sum(r => r.Steps), results.Sum(r => r.Refusals));
        output.WriteLine($"{steps} steps, {refusals} refused as not caught up");
        Assert.Equal(Sessions * StepsPerSession, steps);
        Assert.True(refusals < steps / 2, $"{refusals} of {steps} steps were refused: the bound is too tight to check anything");
    }

    private async Task<(int Steps, int Refusals)> RunSessionAsync(Random random, string[] accounts)
    {
        var seen = new Dictionary<string, VersionVector>(StringComparer.Ordinal);
        var region = random.Next(2) == 0 ? "eu" : "us";
        var client = Client(region, null);
        var refusals = 0;
        try
        {
            for (var step = 0; step < StepsPerSession; step++)
            {
                var account = accounts[random.Next(accounts.Length)];
                var before = seen.GetValueOrDefault(account) ?? VersionVector.Empty;
                try
                {
                    switch (random.Next(3))
                    {
                        case 0:
                            // Monotonic writes and writes-follow-reads: the write was decided with everything the session saw.
                            var receipt = await client.DepositAsync(account, 1m + random.Next(100));
                            var page = await client.ReadLogAsync(account, receipt.Position, 1);
                            var written = Assert.Single(page.Events).Event;
                            Assert.Equal(receipt.EventId, written.Id);
                            Assert.True(written.Deps.With(written.Origin, written.Seq - 1).Covers(before), $"{written.Id} was decided in {region} on {written.Deps}, without {before} the session saw");
                            seen[account] = before.With(written.Origin, written.Seq);
                            break;
                        case 1:
                            // Read-your-writes and monotonic reads: never older than what the session saw.
                            var balance = await client.GetBalanceAsync(account);
                            Assert.True(balance.Version.Covers(before), $"{region} answered {account} at {balance.Version}, older than the session's {before}");
                            seen[account] = before.Merge(balance.Version);
                            break;
                        default:
                            // The session moves to the other region, as after a failover.
                            var token = client.SessionToken;
                            await client.DisposeAsync();
                            region = region == "eu" ? "us" : "eu";
                            client = Client(region, token);
                            break;
                    }
                }
                catch (SessionNotCaughtUpException)
                {
                    refusals++;
                }
            }

            return (StepsPerSession, refusals);
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    private ConcordClient Client(string region, string? session) => new(new ConcordClientOptions
    {
        Region = region,
        Gateways = [_regions.Gateway(region)],
        SessionToken = session,
        CallTimeout = TimeSpan.FromSeconds(20),
    });
}
