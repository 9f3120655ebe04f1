using System.CommandLine;
using System.Globalization;
using Concord.Client.Sdk;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Client.Cli;

/// <summary>The two-phase transfer commands: <c>hold</c>, <c>capture</c> and <c>void</c>.</summary>
public static partial class ConcordCli
{
    private static void AddHoldCommands(RootCommand root, TextWriter output)
    {
        var holdFrom = new Argument<string>("from") { Description = "Account to reserve on." };
        var holdTo = new Argument<string>("to") { Description = "Account a capture credits." };
        var holdAmount = new Argument<string>("amount") { Description = "Amount, at most 2 decimals." };
        var expires = new Option<string>("--expires") { Description = "When the hold is released unless captured: 90s, 15m, 2h, 7d (default 15m).", DefaultValueFactory = _ => "15m" };
        var hold = new Command("hold", "Reserve an amount for a later capture (strict, within the region's escrow share); prints the hold id.")
        {
            holdFrom, holdTo, holdAmount, expires, RequestIdOption,
        };
        hold.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
        {
            var value = ParseAmount(parse.GetValue(holdAmount)!);
            var expiresIn = ParseDuration(parse.GetValue(expires)!);
            var holdId = parse.GetValue(RequestIdOption) ?? ConcordClient.NewRequestId();
            var receipt = await client.HoldAsync(parse.GetValue(holdFrom)!, parse.GetValue(holdTo)!, value, expiresIn, holdId, ct);
            print.Receipt("held", parse.GetValue(holdFrom)!, Money.ToMinorUnits(value), receipt, $" on {parse.GetValue(holdFrom)} for {parse.GetValue(holdTo)} as hold {holdId}, expiring in {parse.GetValue(expires)}", holdId);
        }));

        var captureAccount = new Argument<string>("account") { Description = "Account holding the hold." };
        var captureHold = new Argument<string>("hold") { Description = "The hold's id." };
        var captureAmount = new Argument<string?>("amount") { Description = "Amount to post, at most the hold's (default: all of it).", Arity = ArgumentArity.ZeroOrOne };
        var capture = new Command("capture", "Post all or part of a hold to its payee; the rest is released.") { captureAccount, captureHold, captureAmount, RequestIdOption };
        capture.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
        {
            decimal? value = parse.GetValue(captureAmount) is { } text ? ParseAmount(text) : null;
            var receipt = await client.CaptureAsync(parse.GetValue(captureAccount)!, parse.GetValue(captureHold)!, value, parse.GetValue(RequestIdOption), ct);
            print.Receipt("captured", parse.GetValue(captureAccount)!, value is { } v ? Money.ToMinorUnits(v) : 0, receipt, $" of hold {parse.GetValue(captureHold)}", parse.GetValue(captureHold));
        }));

        var voidAccount = new Argument<string>("account") { Description = "Account holding the hold." };
        var voidHold = new Argument<string>("hold") { Description = "The hold's id." };
        var voidCommand = new Command("void", "Release a hold whole.") { voidAccount, voidHold, RequestIdOption };
        voidCommand.SetAction((parse, ct) => WithClientAsync(parse, output, ct, async (client, print) =>
        {
            var receipt = await client.VoidAsync(parse.GetValue(voidAccount)!, parse.GetValue(voidHold)!, parse.GetValue(RequestIdOption), ct);
            print.Receipt("voided", parse.GetValue(voidAccount)!, 0, receipt, $" hold {parse.GetValue(voidHold)}", parse.GetValue(voidHold));
        }));

        root.Subcommands.Add(hold);
        root.Subcommands.Add(capture);
        root.Subcommands.Add(voidCommand);
    }

    /// <summary>A duration as a number and a unit (s, m, h, d), such as <c>90s</c> or <c>7d</c>.</summary>
    private static TimeSpan ParseDuration(string text)
    {
        if (text.Length >= 2 && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0)
        {
            var unit = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(1),
                'm' => TimeSpan.FromMinutes(1),
                'h' => TimeSpan.FromHours(1),
                'd' => TimeSpan.FromDays(1),
                _ => TimeSpan.Zero,
            };
            if (unit > TimeSpan.Zero && count <= TimeSpan.FromDays(366).Ticks / unit.Ticks)
            {
                return unit * count;
            }
        }

        throw new InvalidRequestException("expires", $"--expires '{text}' is not a positive whole number of s, m, h or d, at most 366 days (for example 90s or 7d).");
    }
}
