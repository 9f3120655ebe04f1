using System.Runtime.CompilerServices;
using Concord.Client.Sdk;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Cli;

/// <summary>
/// The first example of docs/sdk.md, as printed, against <c>dotnet run --project Silo</c> with no arguments (three
/// regions eu, us, ap in one process on their fixed local ports): a deposit through eu and at once a strict transfer
/// from an account homed in us.
/// </summary>
[Collection(LocalDefaultCollection.Name)]
public sealed class SdkExampleTests
{
    [Fact]
    public async Task The_sdk_example_runs_as_printed_against_the_local_default()
    {
        var (silo, _) = await LocalDefaultSilo.StartAsync();
        await using var _ = silo;

        Assert.Equal("us", HomeRegions.OfAccount("alice", ["eu", "us", "ap"]));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var balance = await ExampleAsync(deadline.Token);

        Assert.Equal((70.00m, "eu"), (balance.Balance, balance.Region));
    }

    [Fact]
    public void The_example_here_is_the_one_in_the_docs()
    {
        var docs = File.ReadAllText(Path.Combine(Path.GetDirectoryName(SourceFile())!, "..", "..", "..", "docs", "sdk.md"));
        var block = docs.Split("```csharp\n").Select(b => b.Split("```", 2)[0]).Single(b => b.Contains("invoice-8812", StringComparison.Ordinal));
        var here = File.ReadAllText(SourceFile());

        foreach (var line in block.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            Assert.True(here.Contains(line, StringComparison.Ordinal), $"docs/sdk.md's example has a line this test does not run: {line}");
        }
    }

    // Below, line for line, the example of docs/sdk.md (checked by the test above); only the return is added.
    private static async Task<BalanceView> ExampleAsync(CancellationToken cancellationToken)
    {
        await using var concord = await ConcordClient.ConnectAsync(new ConcordClientOptions
        {
            Region = "eu",
            Gateways = { ConcordClientOptions.ParseGateway("127.0.0.1:30000") },   // dotnet run --project Silo: its eu
        });

        var receipt = await concord.DepositAsync("alice", 100m, requestId: "invoice-8812", cancellationToken);
        await concord.TransferAsync("alice", "bob", 30m, ConsistencyMode.Strict, cancellationToken: cancellationToken);
        BalanceView balance = await concord.GetBalanceAsync("alice", cancellationToken);   // balance.Balance == 70.00m
        Assert.Equal("eu", receipt.EventId.Origin);
        return balance;
    }

    private static string SourceFile([CallerFilePath] string path = "") => path;
}
