using System.CommandLine;
using System.Globalization;
using Concord.Client.Sdk;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Client.Cli;

/// <summary>
/// The command-line tool: <c>[--gateway HOST:PORT | --region R] [--json] COMMAND</c>. Every failure is one
/// line on standard error and an exit code from <see cref="ExitCodes"/>, never a stack trace.
/// </summary>
public static partial class ConcordCli
{
    private static readonly Option<string[]> GatewayOption = new("--gateway")
    {
        Description = "Gateway of the region to use, HOST:PORT; repeat for the gateways of several silos of the region. With --region, names that region's cluster.",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<string?> RegionOption = new("--region")
    {
        Description = "Region to use: eu, us or ap map to the local gateways 127.0.0.1:30000, 30001, 30002 (default eu).",
        Recursive = true,
    };

    private static readonly Option<string?> CredentialOption = new("--credential")
    {
        Description = "Client credential for regions that require one (default: the CONCORD_CREDENTIAL environment variable).",
        Recursive = true,
    };

    private static readonly Option<string?> TlsCaOption = new("--tls-ca")
    {
        HelpName = "PEMFILE",
        Description = "The deployment's certificate authority: connect with TLS, trusting only certificates it issued (default: the local default's, found on this machine, for its gateways).",
        Recursive = true,
    };

    private static readonly Option<string?> TlsCertificateOption = new("--tls-certificate") { HelpName = "PEMFILE", Description = "This client's certificate, issued by --tls-ca (with --tls-key).", Recursive = true };

    private static readonly Option<string?> TlsKeyOption = new("--tls-key") { HelpName = "PEMFILE", Description = "The private key of --tls-certificate.", Recursive = true };

    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print JSON instead of text; it includes the session after the command as \"session\".", Recursive = true };

    private static readonly Option<string?> AfterOption = new("--after")
    {
        Description = "A session token (the \"session\" of an earlier --json output): the region applies what that session wrote and read before it answers.",
        Recursive = true,
    };

    private static readonly Option<string?> RequestIdOption = new("--request-id")
    {
        Description = "Request id for idempotent retries (default: a new one). Repeating it returns the original result.",
    };

    private static readonly Option<string> ModeOption = new("--mode")
    {
        Description = "strict (decided at the account's home region) or optimistic (decided locally).",
        DefaultValueFactory = _ => "optimistic",
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = BuildCommands(output);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await error.WriteLineAsync($"error: {parsed.Errors[0].Message} (see --help)");
            return ExitCodes.InvalidInput;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (Exception ex)
        {
            var (code, message) = Describe(ex);
            await error.WriteLineAsync($"error: {message}");
            return code;
        }
    }

    private static (int Code, string Message) Describe(Exception exception) => exception switch
    {
        InvalidRequestException or ConcordConfigurationException => (ExitCodes.InvalidInput, exception.Message),
        RegionUnavailableException => (ExitCodes.Unreachable, exception.Message),
        ConcordException => (ExitCodes.Rejected, exception.Message),
        OperationCanceledException => (ExitCodes.Rejected, "cancelled"),
        _ => (ExitCodes.Rejected, $"unexpected failure: {exception.GetBaseException().Message}"),
    };

    private static RootCommand BuildCommands(TextWriter output)
    {
        var root = new RootCommand("Concord: a multi-region ledger you can verify.");
        root.Options.Add(GatewayOption);
        root.Options.Add(RegionOption);
        root.Options.Add(JsonOption);
        root.Options.Add(CredentialOption);
        root.Options.Add(TlsCaOption);
        root.Options.Add(TlsCertificateOption);
        root.Options.Add(TlsKeyOption);
        root.Options.Add(AfterOption);

        var account = new Argument<string>("account") { Description = "Account id." };
        var amount = new Argument<string>("amount") { Description = "Amount, at most 2 decimals, such as 12.50." };

        var deposit = new Command("deposit", "Add money to an account.") { account, amount, RequestIdOption };
        deposit.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
        {
            var value = ParseAmount(parse.GetValue(amount)!);
            var receipt = await client.DepositAsync(parse.GetValue(account)!, value, parse.GetValue(RequestIdOption), ct);
            print.Receipt("deposited", parse.GetValue(account)!, Money.ToMinorUnits(value), receipt, $" to {parse.GetValue(account)}");
        }));

        var from = new Argument<string>("from") { Description = "Account to debit." };
        var to = new Argument<string>("to") { Description = "Account to credit." };
        var transferAmount = new Argument<string>("amount") { Description = "Amount, at most 2 decimals." };
        var transfer = new Command("transfer", "Move money between accounts; the credit follows the debit exactly once.")
        {
            from, to, transferAmount, ModeOption, RequestIdOption,
        };
        transfer.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
        {
            var value = ParseAmount(parse.GetValue(transferAmount)!);
            var mode = ParseMode(parse.GetValue(ModeOption)!);
            var receipt = await client.TransferAsync(parse.GetValue(from)!, parse.GetValue(to)!, value, mode, parse.GetValue(RequestIdOption), ct);
            var detail = $" from {parse.GetValue(from)} to {parse.GetValue(to)} ({mode.ToString().ToLowerInvariant()})";
            print.Receipt("transferred", parse.GetValue(from)!, Money.ToMinorUnits(value), receipt, detail);
        }));

        var payoutAccount = new Argument<string>("account") { Description = "Account to pay out from." };
        var payoutAmount = new Argument<string>("amount") { Description = "Amount, at most 2 decimals." };
        var payout = new Command("payout", "Take money out of the ledger (always strict).") { payoutAccount, payoutAmount, RequestIdOption };
        payout.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
        {
            var value = ParseAmount(parse.GetValue(payoutAmount)!);
            var receipt = await client.PayoutAsync(parse.GetValue(payoutAccount)!, value, parse.GetValue(RequestIdOption), ct);
            print.Receipt("paid out", parse.GetValue(payoutAccount)!, Money.ToMinorUnits(value), receipt, $" from {parse.GetValue(payoutAccount)}");
        }));

        var balanceAccount = new Argument<string>("account") { Description = "Account id." };
        var balance = new Command("balance", "Show an account's balance in this region.") { balanceAccount };
        balance.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
            print.Balance(await client.GetBalanceAsync(parse.GetValue(balanceAccount)!, ct))));

        var statementAccount = new Argument<string>("account") { Description = "Account id." };
        var fromPosition = new Option<long>("--from") { Description = "First log position to show (default 1).", DefaultValueFactory = _ => 1 };
        var limit = new Option<int>("--limit") { Description = "Most lines to show, 1-1000 (default 100).", DefaultValueFactory = _ => 100 };
        var statement = new Command("statement", "List an account's events in this region's log.") { statementAccount, fromPosition, limit };
        statement.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
            print.Statement(await client.GetStatementAsync(parse.GetValue(statementAccount)!, parse.GetValue(fromPosition), parse.GetValue(limit), ct))));

        var logEntity = new Argument<string>("entity") { Description = "Entity id: an account, handle/NAME, or type/key of a registered entity type." };
        var logCommand = new Command("log", "List any entity's events in this region's log, with their chain hashes.") { logEntity, fromPosition, limit };
        logCommand.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
            print.Log(await client.ReadLogAsync(parse.GetValue(logEntity)!, parse.GetValue(fromPosition), parse.GetValue(limit), ct))));

        var apologyAccount = new Option<string?>("--account") { Description = "Only apologies about this account." };
        var apologies = new Command("apologies", "List the region's apologies, newest first.") { apologyAccount };
        apologies.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
            print.Apologies(await client.GetApologiesAsync(parse.GetValue(apologyAccount), cancellationToken: ct))));

        var file = new Argument<string>("file") { Description = "JSON list of legs: [{\"from\":\"a\",\"to\":\"b\",\"amount\":\"12.50\"}, ...]." };
        var batch = new Command("batch-transfer", "Debit several legs atomically (all or nothing) at their sources' home region.") { file, RequestIdOption };
        batch.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
            print.Batch(await client.BatchTransferAsync(BatchFile.Read(parse.GetValue(file)!), parse.GetValue(RequestIdOption), ct))));

        var claimHandle = new Argument<string>("handle") { Description = "Handle (user name)." };
        var claimAccount = new Argument<string>("account") { Description = "Account to bind it to." };
        var claimMode = new Option<string>("--mode")
        {
            Description = "strict (decided at the handles' primary region) or optimistic (tentative when the primary is unreachable).",
            DefaultValueFactory = _ => "strict",
        };
        var claim = new Command("claim-handle", "Bind a unique handle to an account.") { claimHandle, claimAccount, claimMode, RequestIdOption };
        claim.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
            print.Handle("claimed", await client.ClaimHandleAsync(parse.GetValue(claimHandle)!, parse.GetValue(claimAccount)!, ParseMode(parse.GetValue(claimMode)!), parse.GetValue(RequestIdOption), ct))));

        var releaseHandle = new Argument<string>("handle") { Description = "Handle to release." };
        var releaseFrom = new Argument<string>("account") { Description = "Account that holds it; another holder refuses the release." };
        var release = new Command("release-handle", "Free a handle from the account that holds it.") { releaseHandle, releaseFrom, RequestIdOption };
        release.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
            print.Handle("released", await client.ReleaseHandleAsync(parse.GetValue(releaseHandle)!, parse.GetValue(releaseFrom)!, parse.GetValue(RequestIdOption), ct))));

        var oldHandle = new Argument<string>("old") { Description = "Handle to move from." };
        var newHandle = new Argument<string>("new") { Description = "Handle to move to." };
        var rename = new Command("rename-handle", "Move a binding to a new handle atomically.") { oldHandle, newHandle, RequestIdOption };
        rename.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
            print.Handle("renamed to", await client.RenameHandleAsync(parse.GetValue(oldHandle)!, parse.GetValue(newHandle)!, parse.GetValue(RequestIdOption), ct))));

        var whoisHandle = new Argument<string>("handle") { Description = "Handle to look up." };
        var whois = new Command("whois", "Show which account holds a handle, as this region knows it.") { whoisHandle };
        whois.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
            print.Whois(await client.WhoisAsync(parse.GetValue(whoisHandle)!, ct))));

        var full = new Option<bool>("--full") { Description = "Audit every entity (the default)." };
        var sample = new Option<double?>("--sample") { Description = "Audit a random fraction of the entities, such as 0.1." };
        var audit = new Command("audit", "Verify the region: hash chains, replicas, snapshots, views, invariants. Exit code 1 when anything is found.") { full, sample };
        audit.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(full) && parse.GetValue(sample) is not null)
            {
                throw new InvalidRequestException("sample", "--full and --sample exclude each other.");
            }

            var report = default(AuditReport);
            await WithClientAsync(parse, output, ct, async (client, print) =>
            {
                var run = client.AuditAsync(parse.GetValue(sample) ?? 1.0, Environment.TickCount, ct);
                await ShowAuditProgressAsync(client, run, ct);
                report = await run;
                print.Audit(report);
            }, callTimeout: TimeSpan.FromMinutes(30));
            return report is { IsClean: true } ? ExitCodes.Success : ExitCodes.Rejected;
        });

        var status = new Command("status", "Show this region, its peers, link states, replication lag and digest.");
        status.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
            print.Status(await client.GetStatusAsync(ct), await client.GetRegionTotalsAsync(ct))));

        var admin = new Command("admin", "Operate links between regions (needs regions started with fault injection).");
        foreach (var (verb, cut) in new[] { ("cut", true), ("heal", false) })
        {
            var a = new Argument<string>("a") { Description = "A region." };
            var b = new Argument<string>("b") { Description = "Another region." };
            var oneWay = new Option<bool>("--one-way") { Description = "Only the direction from A to B." };
            var command = new Command(verb, cut ? "Cut the link between two regions (both directions unless --one-way)." : "Heal the link between two regions.") { a, b, oneWay };
            command.SetAction((parse, ct) => AdminLinkAsync(parse, output, parse.GetValue(a)!, parse.GetValue(b)!, cut, parse.GetValue(oneWay), ct));
            admin.Subcommands.Add(command);
        }

        root.Subcommands.Add(batch);
        root.Subcommands.Add(claim);
        root.Subcommands.Add(release);
        root.Subcommands.Add(rename);
        root.Subcommands.Add(whois);
        root.Subcommands.Add(audit);
        root.Subcommands.Add(status);
        root.Subcommands.Add(admin);
        root.Subcommands.Add(deposit);
        root.Subcommands.Add(transfer);
        root.Subcommands.Add(payout);
        AddHoldCommands(root, output);
        root.Subcommands.Add(balance);
        root.Subcommands.Add(statement);
        root.Subcommands.Add(logCommand);
        root.Subcommands.Add(apologies);
        return root;
    }

    /// <summary>On a terminal, shows how far a long audit has got, on one line of standard error.</summary>
    private static async Task ShowAuditProgressAsync(ConcordClient client, Task run, CancellationToken cancellationToken)
    {
        if (Console.IsErrorRedirected)
        {
            return;
        }

        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken));
            if (!run.IsCompleted && await client.GetAuditProgressAsync(cancellationToken) is { Running: true } progress)
            {
                await Console.Error.WriteAsync($"\raudited {progress.Entities} entities, {progress.Events} events, {progress.Findings} finding(s) ...");
            }
        }

        await Console.Error.WriteAsync("\r\u001b[K");
    }

    private static async Task<int> WithClientAsync(ParseResult parse, TextWriter output, CancellationToken cancellationToken, Func<ConcordClient, CliOutput, Task> run, TimeSpan? callTimeout = null)
    {
        var options = new ConcordClientOptions
        {
            CallTimeout = callTimeout ?? TimeSpan.FromSeconds(10),
            Region = parse.GetValue(RegionOption) ?? "eu",
            Credential = parse.GetValue(CredentialOption) ?? Environment.GetEnvironmentVariable("CONCORD_CREDENTIAL"),
            SessionToken = parse.GetValue(AfterOption),
        };
        ApplyTls(parse, options);
        foreach (var gateway in parse.GetValue(GatewayOption) ?? [])
        {
            options.Gateways.Add(ConcordClientOptions.ParseGateway(gateway));
        }

        await using var client = new ConcordClient(options);
        await run(client, new CliOutput(output, parse.GetValue(JsonOption), () => client.SessionToken));
        return ExitCodes.Success;
    }

    private static void ApplyTls(ParseResult parse, ConcordClientOptions options)
    {
        options.TlsAuthorityFile = parse.GetValue(TlsCaOption);
        options.TlsCertificateFile = parse.GetValue(TlsCertificateOption);
        options.TlsKeyFile = parse.GetValue(TlsKeyOption);
    }

    /// <summary>Sets the link fault on A's side (A to B) and, unless one-way, on B's side (B to A).</summary>
    private static async Task<int> AdminLinkAsync(ParseResult parse, TextWriter output, string a, string b, bool cut, bool oneWay, CancellationToken cancellationToken)
    {
        EntityKeys.RequireKey(a, "region");
        EntityKeys.RequireKey(b, "region");
        var fault = cut ? new LinkFault(Cut: true) : LinkFault.None;
        var directions = oneWay ? new[] { (a, b) } : [(a, b), (b, a)];
        foreach (var (from, to) in directions)
        {
            var options = new ConcordClientOptions
            {
                Region = from,
                Credential = parse.GetValue(CredentialOption) ?? Environment.GetEnvironmentVariable("CONCORD_CREDENTIAL"),
            };
            ApplyTls(parse, options);
            if (string.Equals(parse.GetValue(RegionOption), from, StringComparison.Ordinal))
            {
                foreach (var gateway in parse.GetValue(GatewayOption) ?? [])
                {
                    options.Gateways.Add(ConcordClientOptions.ParseGateway(gateway));
                }
            }

            await using var client = new ConcordClient(options);
            await client.SetLinkFaultAsync(to, fault, cancellationToken);
        }

        var arrow = oneWay ? "->" : "<->";
        await output.WriteLineAsync($"{(cut ? "cut" : "healed")} {a} {arrow} {b}");
        return ExitCodes.Success;
    }

    private static decimal ParseAmount(string text)
    {
        var minor = Money.Parse(text);
        return Money.ToDecimal(minor);
    }

    private static ConsistencyMode ParseMode(string text) => text.ToLowerInvariant() switch
    {
        "strict" => ConsistencyMode.Strict,
        "optimistic" => ConsistencyMode.Optimistic,
        _ => throw new InvalidRequestException("mode", string.Create(CultureInfo.InvariantCulture, $"--mode '{text}' is not strict or optimistic.")),
    };
}
