using System.Text.Json;
using Concord.Client.Cli;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Storage;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Concord.Tests.Cli;

/// <summary>The command-line tool against a real silo over TCP: output, JSON and exit codes.</summary>
[Collection(TcpRegionCollection.Name)]
public sealed class CliTests(TcpRegionFixture region)
{
    [Fact]
    public async Task The_readme_session_works_as_printed()
    {
        var (alice, bob) = (Names.Account("alice"), Names.Account("bob"));

        var deposit = await RunAsync("deposit", alice, "100");
        var transfer = await RunAsync("transfer", alice, bob, "30");
        var balance = await RunAsync("balance", alice);

        Assert.Equal(ExitCodes.Success, deposit.Code);
        Assert.StartsWith($"deposited 100.00 to {alice}: event {alice}@eu#1 at position 1", deposit.Out);
        Assert.Equal(ExitCodes.Success, transfer.Code);
        Assert.StartsWith($"transferred 30.00 from {alice} to {bob} (optimistic)", transfer.Out);
        Assert.StartsWith($"{alice}: 70.00 (region eu", balance.Out);
        await Eventually.HoldsAsync(async () => (await RunAsync("balance", bob)).Out.StartsWith($"{bob}: 30.00", StringComparison.Ordinal), "bob is credited");
    }

    [Fact]
    public async Task Balance_as_json_has_the_account_and_a_decimal_string()
    {
        var account = Names.Account("json");
        await RunAsync("deposit", account, "12.5");

        var result = await RunAsync("--json", "balance", account);

        Assert.Equal(ExitCodes.Success, result.Code);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(account, json.RootElement.GetProperty("account").GetString());
        Assert.Equal("12.50", json.RootElement.GetProperty("balance").GetString());
    }

    [Fact]
    public async Task Hold_capture_and_void_reserve_post_and_release_and_balance_json_shows_share_and_holds()
    {
        var (account, payee) = (Names.Account("cli-hold"), Names.Account("cli-hold-payee"));
        await RunAsync("deposit", account, "50");

        var hold = await RunAsync("--json", "hold", account, payee, "20", "--expires", "10m", "--request-id", "h1");
        var other = await RunAsync("hold", account, payee, "5", "--request-id", "h2");
        Assert.Equal((ExitCodes.Success, ExitCodes.Success), (hold.Code, other.Code));
        using (var json = JsonDocument.Parse(hold.Out))
        {
            Assert.Equal(("h1", "20.00"), (json.RootElement.GetProperty("hold").GetString(), json.RootElement.GetProperty("amount").GetString()));
        }

        Assert.StartsWith($"held 5.00 on {account} for {payee} as hold h2, expiring in 15m", other.Out);
        using (var balance = JsonDocument.Parse((await RunAsync("--json", "balance", account)).Out))
        {
            Assert.Equal(("50.00", "25.00", "25.00"), (balance.RootElement.GetProperty("balance").GetString(), balance.RootElement.GetProperty("held").GetString(), balance.RootElement.GetProperty("share").GetString()));
            var holds = balance.RootElement.GetProperty("holds").EnumerateArray().Select(h => (h.GetProperty("id").GetString(), h.GetProperty("amount").GetString(), h.GetProperty("to").GetString())).ToList();
            Assert.Equal([("h1", "20.00", payee), ("h2", "5.00", payee)], holds);
        }

        var capture = await RunAsync("capture", account, "h1", "12.50");
        var voided = await RunAsync("void", account, "h2");
        var again = await RunAsync("void", account, "h2");
        var tooMuch = await RunAsync("hold", account, payee, "1", "--expires", "0s");
        Assert.Equal((ExitCodes.Success, ExitCodes.Success), (capture.Code, voided.Code));
        Assert.Equal((ExitCodes.Rejected, $"error: Hold 'h2' on '{account}' is already voided; a hold is captured, voided or expires exactly once.{Environment.NewLine}"), (again.Code, again.Err));
        Assert.Equal(ExitCodes.InvalidInput, tooMuch.Code);
        Assert.StartsWith($"{account}: 37.50 (region eu", (await RunAsync("balance", account)).Out);
        var status = await RunAsync("status");
        Assert.Contains("escrow shares over ", status.Out, StringComparison.Ordinal);
        using (var json = JsonDocument.Parse((await RunAsync("--json", "status")).Out))
        {
            Assert.True(json.RootElement.GetProperty("escrow").GetProperty("shares").TryGetProperty("eu", out _));
        }

        await Eventually.HoldsAsync(async () => (await RunAsync("balance", payee)).Out.StartsWith($"{payee}: 12.50", StringComparison.Ordinal), "the payee is credited with the capture");
    }

    [Fact]
    public async Task Json_output_carries_the_session_and_after_passes_it_to_the_next_command()
    {
        var account = Names.Account("session");

        var deposit = await RunAsync("--json", "deposit", account, "5");
        using var written = JsonDocument.Parse(deposit.Out);
        var session = written.RootElement.GetProperty("session").GetString();
        Assert.Equal($"s1;concord;{account}=eu:1", session);

        var balance = await RunAsync("--json", "--after", session!, "balance", account);
        using var read = JsonDocument.Parse(balance.Out);
        Assert.Equal(ExitCodes.Success, balance.Code);
        Assert.Equal("5.00", read.RootElement.GetProperty("balance").GetString());
        Assert.Equal(session, read.RootElement.GetProperty("session").GetString());

        // A session naming events the region never wrote is refused by it at once, one line, exit 2.
        var future = await RunAsync("--after", $"s1;concord;{account}=eu:9", "balance", account);
        Assert.Equal(ExitCodes.InvalidInput, future.Code);
        Assert.StartsWith("error: The session depends on eu:9 of", future.Err);
    }

    [Fact]
    public async Task A_repeated_request_id_is_reported_as_the_original_result()
    {
        var account = Names.Account("again");

        var first = await RunAsync("deposit", account, "5", "--request-id", "fixed-1");
        var second = await RunAsync("deposit", account, "5", "--request-id", "fixed-1");

        Assert.Equal(ExitCodes.Success, second.Code);
        Assert.Contains("already done", second.Out);
        Assert.StartsWith(first.Out.TrimEnd(), second.Out);
        Assert.StartsWith($"{account}: 5.00", (await RunAsync("balance", account)).Out);
    }

    [Fact]
    public async Task The_statement_lists_the_events()
    {
        var account = Names.Account("stmt");
        await RunAsync("deposit", account, "3");
        await RunAsync("payout", account, "1");

        var result = await RunAsync("statement", account);

        Assert.Equal(ExitCodes.Success, result.Code);
        Assert.Contains("deposit", result.Out);
        Assert.Contains("-1.00", result.Out);
    }

    [Fact]
    public async Task A_batch_file_debits_every_leg_and_a_bad_file_exits_with_2()
    {
        var (a, b, c) = (Names.Account("ba"), Names.Account("bb"), Names.Account("bc"));
        await RunAsync("deposit", a, "10");
        await RunAsync("deposit", b, "10");
        var file = Path.GetTempFileName();
        var bad = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, $"[{{\"from\":\"{a}\",\"to\":\"{c}\",\"amount\":\"2.50\"}},{{\"from\":\"{b}\",\"to\":\"{c}\",\"amount\":1}}]");
            await File.WriteAllTextAsync(bad, "[{\"from\":\"x\"}]");

            var ok = await RunAsync("batch-transfer", file);
            var broken = await RunAsync("batch-transfer", bad);

            Assert.Equal(ExitCodes.Success, ok.Code);
            Assert.StartsWith("batch of 2 leg(s) debited", ok.Out);
            Assert.Equal(ExitCodes.InvalidInput, broken.Code);
            Assert.StartsWith($"{a}: 7.50", (await RunAsync("balance", a)).Out);
            Assert.StartsWith($"{b}: 9.00", (await RunAsync("balance", b)).Out);
        }
        finally
        {
            File.Delete(file);
            File.Delete(bad);
        }
    }

    [Fact]
    public async Task Handles_are_claimed_looked_up_renamed_and_a_taken_one_exits_with_1()
    {
        var (handle, renamed) = (Names.Account("nick"), Names.Account("nick2"));

        var claim = await RunAsync("claim-handle", handle, "alice");
        var taken = await RunAsync("claim-handle", handle, "bob");
        var rename = await RunAsync("rename-handle", handle, renamed);
        var whois = await RunAsync("--json", "whois", renamed);

        Assert.Equal(ExitCodes.Success, claim.Code);
        Assert.StartsWith($"claimed {handle}: alice", claim.Out);
        Assert.Equal(ExitCodes.Rejected, taken.Code);
        Assert.Contains("taken by 'alice'", taken.Err);
        Assert.Equal(ExitCodes.Success, rename.Code);
        using var json = JsonDocument.Parse(whois.Out);
        Assert.Equal("alice", json.RootElement.GetProperty("owner").GetString());
        Assert.StartsWith($"{handle}: free", (await RunAsync("whois", handle)).Out);
    }

    [Fact]
    public async Task Audit_exits_0_when_clean_and_1_naming_the_finding_after_a_corruption()
    {
        var account = Names.Account("audited");
        await RunAsync("deposit", account, "5");
        await RunAsync("deposit", account, "6");

        var clean = await RunAsync("audit");
        Assert.Equal(ExitCodes.Success, clean.Code);
        Assert.Contains("clean", clean.Out);

        var store = (Concord.Grains.Storage.InMemoryEventLogStore)Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Concord.Grains.Storage.IEventLogStore>(region.Services);
        store.CorruptForTests(account, events => [events[1] with { Payload = new Deposited(1) }, .. events.Skip(2)]);

        var dirty = await RunAsync("audit", "--json");

        Assert.Equal(ExitCodes.Rejected, dirty.Code);
        using var json = JsonDocument.Parse(dirty.Out);
        var finding = json.RootElement.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("entity").GetString() == account);
        Assert.Equal("hash-mismatch", finding.GetProperty("kind").GetString());
        Assert.Equal(1, finding.GetProperty("position").GetInt64());
    }

    [Theory]
    [InlineData(ExitCodes.Rejected, "payout", "{0}", "1000")]
    [InlineData(ExitCodes.InvalidInput, "deposit", "{0}", "1.001")]
    [InlineData(ExitCodes.InvalidInput, "deposit", "{0}", "-4")]
    [InlineData(ExitCodes.InvalidInput, "deposit", "bad/key", "1")]
    [InlineData(ExitCodes.InvalidInput, "transfer", "{0}", "{0}", "1")]
    [InlineData(ExitCodes.InvalidInput, "transfer", "{0}", "other", "1", "--mode", "eventual")]
    [InlineData(ExitCodes.InvalidInput, "deposit", "{0}")]
    [InlineData(ExitCodes.InvalidInput, "launch-rockets")]
    [InlineData(ExitCodes.InvalidInput, "--after", "not-a-session", "balance", "{0}")]
    [InlineData(ExitCodes.InvalidInput, "--after", "s1;elsewhere;{0}=eu:1", "balance", "{0}")]
    public async Task Failures_print_one_line_and_the_right_exit_code(int expected, params string[] args)
    {
        var account = Names.Account("fail");
        await RunAsync("deposit", account, "1");

        var result = await RunAsync([.. args.Select(a => string.Format(a, account))]);

        Assert.Equal(expected, result.Code);
        Assert.StartsWith("error: ", result.Err);
        Assert.Single(result.Err.TrimEnd().Split('\n'));
        Assert.StartsWith($"{account}: 1.00", (await RunAsync("balance", account)).Out);
    }

    [Fact]
    public async Task The_log_of_any_entity_lists_its_events_with_their_chain()
    {
        var account = Names.Account("log");
        await RunAsync("deposit", account, "12.5", "--request-id", "log-1");
        await RunAsync("deposit", account, "1", "--request-id", "log-2");
        var stored = await region.Services.GetRequiredService<IEventLogStore>().ReadAsync(account, 1, 10);

        var text = await RunAsync("log", account);
        Assert.Equal(ExitCodes.Success, text.Code);
        var lines = text.Out.TrimEnd().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Contains($"{account}@eu#1", lines[1]);
        Assert.Contains("ledger.deposited", lines[1]);
        Assert.Contains(stored[0].Event.Hash.ToString()[..8], lines[1]);
        Assert.EndsWith("{ Amount = 12.50 }", lines[1].TrimEnd());
        Assert.Equal("head 2", lines[3]);

        var json = await RunAsync("--json", "log", account, "--from", "2");
        using var page = JsonDocument.Parse(json.Out);
        Assert.Equal(2, page.RootElement.GetProperty("head").GetInt64());
        var only = Assert.Single(page.RootElement.GetProperty("events").EnumerateArray());
        Assert.Equal("log-2", only.GetProperty("requestId").GetString());
        Assert.Equal(stored[0].Event.Hash.ToString(), only.GetProperty("prevHash").GetString());
        Assert.Equal(stored[1].Event.Hash.ToString(), only.GetProperty("hash").GetString());
        Assert.Equal(1, only.GetProperty("deps").GetProperty("eu").GetInt64());

        var bad = await RunAsync("log", account, "--limit", "0");
        Assert.Equal(ExitCodes.InvalidInput, bad.Code);
        Assert.Equal("error: A log page holds 1 to 1000 events, not 0.", bad.Err.TrimEnd());
    }

    [Fact]
    public async Task An_unreachable_region_exits_with_3()
    {
        var closedPort = FreePorts.Take(1)[0];
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await ConcordCli.RunAsync(["--gateway", $"127.0.0.1:{closedPort}", "balance", "anyone"], output, error);

        Assert.Equal(ExitCodes.Unreachable, code);
        Assert.StartsWith("error: Cannot reach region 'eu'", error.ToString());
    }

    private async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await ConcordCli.RunAsync(["--gateway", region.Gateway, .. args], output, error);
        return (code, output.ToString(), error.ToString());
    }
}
