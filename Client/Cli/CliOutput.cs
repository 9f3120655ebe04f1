using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Client.Cli;

/// <summary>
/// Prints results as lines for people or, with <c>--json</c>, as one JSON object per command, which carries the
/// client's session after the command as <c>"session"</c> (pass it on with <c>--after</c>).
/// </summary>
internal sealed class CliOutput(TextWriter output, bool json, Func<string?>? session = null)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };

    public void Receipt(string verb, string account, long amount, WriteReceipt receipt, string? detail = null, string? hold = null)
    {
        if (json)
        {
            Json(new
            {
                account,
                amount = Money.Format(amount),
                @event = receipt.EventId.ToString(),
                position = receipt.Position,
                replayed = receipt.Replayed,
                hold,
            });
            return;
        }

        var replayed = receipt.Replayed ? " (already done: original result)" : string.Empty;
        output.WriteLine($"{verb} {Money.Format(amount)}{detail}: event {receipt.EventId} at position {receipt.Position}{replayed}");
    }

    public void Balance(BalanceView balance)
    {
        if (json)
        {
            Json(new
            {
                account = balance.Account,
                balance = Money.Format(balance.Balance),
                region = balance.Region,
                position = balance.Position,
                version = VersionOf(balance.Version),
                knownAhead = balance.IsKnownBehind ? VersionOf(balance.KnownAhead!) : null,
                home = balance.HomeRegion,
                frozen = balance.Frozen,
                share = Money.Format(balance.Share),
                held = Money.Format(balance.Held),
                holds = balance.Holds.IsDefault ? [] : balance.Holds.Select(h => new { id = h.HoldId, amount = Money.Format(h.Amount), to = h.To, region = h.Region, expires = h.ExpiresAt.ToString("O", CultureInfo.InvariantCulture) }).ToArray(),
            });
            return;
        }

        var behind = balance.IsKnownBehind ? $"; known behind: events up to {balance.KnownAhead} received, not yet applicable" : string.Empty;
        var frozen = balance.Frozen ? "; frozen for optimistic debits after an overdraft" : string.Empty;
        output.WriteLine($"{balance.Account}: {Money.Format(balance.Balance)} (region {balance.Region}, position {balance.Position}, version {balance.Version}, home {balance.HomeRegion}, escrow share here {Money.Format(balance.Share)}{HeldText(balance)}{behind}{frozen})");
    }

    private static string HeldText(BalanceView balance) =>
        balance.Holds.IsDefaultOrEmpty
            ? string.Empty
            : $", held {Money.Format(balance.Held)} in {string.Join(", ", balance.Holds.Select(h => $"{h.HoldId} ({Money.Format(h.Amount)} for {h.To}, by {h.Region}, expires {h.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)})"))}";

    public void Log(EntityLogPage page)
    {
        if (json)
        {
            Json(new
            {
                entity = page.EntityId,
                head = page.Head,
                events = page.Events.Select(l => new
                {
                    position = l.Position,
                    @event = l.Event.Id.ToString(),
                    requestId = l.Event.RequestId,
                    time = l.Event.Hlc.WallClock.ToString("O", CultureInfo.InvariantCulture),
                    hlc = l.Event.Hlc.ToString(),
                    deps = VersionOf(l.Event.Deps),
                    kind = l.Event.Payload.Kind,
                    payload = PayloadText(l.Event.Payload),
                    prevHash = l.Event.PrevHash.ToString(),
                    hash = l.Event.Hash.ToString(),
                }),
            });
            return;
        }

        if (page.Events.IsDefaultOrEmpty)
        {
            output.WriteLine($"{page.EntityId}: no events from that position (head {page.Head})");
            return;
        }

        output.WriteLine($"{"pos",5}  {"time (UTC)",-19}  {"event",-24}  {"kind",-24}  hash      payload");
        foreach (var l in page.Events)
        {
            var e = l.Event;
            output.WriteLine($"{l.Position,5}  {e.Hlc.WallClock.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {e.Id,-24}  {e.Payload.Kind,-24}  {e.Hash.ToString()[..8]}  {PayloadText(e.Payload)}");
        }

        output.WriteLine($"head {page.Head}");
    }

    /// <summary>A registered kind's canonical JSON; a built-in payload's fields as the record prints them.</summary>
    private static string PayloadText(Grains.Interfaces.Events.EventPayload payload) => payload switch
    {
        Grains.Interfaces.Entities.JsonEventPayload json => $"v{json.SchemaVersion} {json.CanonicalJson}",
        var builtIn => builtIn.ToString()[(builtIn.GetType().Name.Length + 1)..].Replace($"Kind = {builtIn.Kind}, ", string.Empty, StringComparison.Ordinal).Trim(),
    };

    public void Statement(Statement statement)
    {
        if (json)
        {
            Json(new
            {
                account = statement.Account,
                head = statement.HeadPosition,
                next = statement.NextPosition,
                lines = statement.Lines.Select(l => new
                {
                    position = l.Position,
                    kind = l.Kind,
                    amount = Money.Format(l.Amount),
                    counterparty = l.Counterparty,
                    @event = l.EventId.ToString(),
                    requestId = l.RequestId,
                    @void = l.Void,
                    time = l.Hlc.WallClock.ToString("O", CultureInfo.InvariantCulture),
                }),
            });
            return;
        }

        if (statement.Lines.IsDefaultOrEmpty)
        {
            output.WriteLine($"{statement.Account}: no events");
            return;
        }

        output.WriteLine($"{"pos",5}  {"time (UTC)",-19}  {"kind",-12}  {"amount",14}  {"counterparty",-16}  event");
        foreach (var line in statement.Lines)
        {
            var amount = (line.Amount > 0 ? "+" : string.Empty) + Money.Format(line.Amount);
            var time = line.Hlc.WallClock.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            var voided = line.Void ? "  (void: same request took effect via another region)" : string.Empty;
            output.WriteLine($"{line.Position,5}  {time,-19}  {line.Kind,-12}  {amount,14}  {line.Counterparty ?? "-",-16}  {line.EventId}{voided}");
        }

        if (statement.NextPosition is { } next)
        {
            output.WriteLine($"(more: statement {statement.Account} --from {next})");
        }
    }

    public void Apologies(IReadOnlyList<ApologyNotice> notices)
    {
        if (json)
        {
            Json(new
            {
                apologies = notices.Select(n => new
                {
                    @event = n.EventId.ToString(),
                    account = n.EventId.EntityId,
                    kind = n.Kind,
                    description = n.Description,
                    time = n.Hlc.WallClock.ToString("O", CultureInfo.InvariantCulture),
                }),
            });
            return;
        }

        if (notices.Count == 0)
        {
            output.WriteLine("no apologies");
            return;
        }

        foreach (var notice in notices)
        {
            output.WriteLine($"{notice.Hlc.WallClock.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {notice.EventId}  {notice.Kind}: {notice.Description}");
        }
    }

    public void Batch(BatchReceipt receipt)
    {
        if (json)
        {
            Json(new { debits = receipt.Debits.Select(d => d.EventId.ToString()), replayed = receipt.Replayed });
            return;
        }

        var replayed = receipt.Replayed ? " (already done: original result)" : string.Empty;
        output.WriteLine($"batch of {receipt.Debits.Length} leg(s) debited: {string.Join(", ", receipt.Debits.Select(d => d.EventId))}{replayed}");
    }

    public void Handle(string verb, HandleReceipt receipt)
    {
        if (json)
        {
            Json(new { handle = receipt.Handle, account = receipt.Account, tentative = receipt.Tentative, replayed = receipt.Replayed });
            return;
        }

        var tentative = receipt.Tentative ? " (tentative: the primary region is unreachable and will decide)" : string.Empty;
        var replayed = receipt.Replayed ? " (already done: original result)" : string.Empty;
        var account = receipt.Account is null ? "nothing bound" : receipt.Account;
        output.WriteLine($"{verb} {receipt.Handle}: {account}{tentative}{replayed}");
    }

    public void Whois(HandleView view)
    {
        if (json)
        {
            Json(new { handle = view.Handle, owner = view.Owner, pending = view.PendingClaims, primary = view.Primary, region = view.Region });
            return;
        }

        var pending = view.PendingClaims.IsDefaultOrEmpty ? string.Empty : $"; pending tentative claims: {string.Join(", ", view.PendingClaims)}";
        output.WriteLine($"{view.Handle}: {view.Owner ?? "free"} (region {view.Region}, primary {view.Primary}{pending})");
    }

    public void Audit(AuditReport report)
    {
        if (json)
        {
            Json(new
            {
                region = report.Region,
                clean = report.IsClean,
                sample = report.SampleFraction,
                entities = report.Entities,
                events = report.Events,
                chains = report.Chains,
                durationMs = (long)report.Duration.TotalMilliseconds,
                findings = report.Findings.Select(f => new { region = f.Region, entity = f.EntityId, kind = f.Kind, position = f.Position, detail = f.Detail }),
            });
            return;
        }

        var scope = report.SampleFraction >= 1 ? "full" : $"sample {report.SampleFraction:P0}";
        output.WriteLine($"audit of region {report.Region} ({scope}): {report.Entities} entities, {report.Events} events, {report.Chains} chains checked in {report.Duration.TotalMilliseconds:0} ms");
        if (report.IsClean)
        {
            output.WriteLine("clean: every chain verifies and everything derived matches the logs");
            return;
        }

        foreach (var group in report.Findings.GroupBy(f => f.Kind))
        {
            output.WriteLine($"{group.Key}: {group.Count()}");
        }

        foreach (var finding in report.Findings)
        {
            var at = finding.Position is { } position ? $" at position {position}" : string.Empty;
            output.WriteLine($"  {finding.Region} {finding.EntityId}{at}: {finding.Kind}: {finding.Detail}");
        }
    }

    public void Status(RegionStatus status, RegionTotals totals)
    {
        var shares = (totals.Shares ?? ImmutableSortedDictionary<string, decimal>.Empty).ToDictionary(s => s.Key, s => Money.Format(s.Value), StringComparer.Ordinal);
        if (json)
        {
            var node = JsonSerializer.SerializeToNode(status, JsonOptions)!.AsObject();
            node["escrow"] = JsonSerializer.SerializeToNode(new { accounts = totals.Accounts, shares, held = Money.Format(totals.Held) }, JsonOptions);
            Json(node);
            return;
        }

        output.WriteLine($"region {status.Region}: digest {status.Digest[..16]}, regions [{string.Join(", ", status.Regions)}], handles decided in {status.HandlePrimary}, fault injection {(status.FaultInjection ? "on" : "off")}");
        if (status.Recovery is { } recovery)
        {
            output.WriteLine($"  {recovery}");
        }

        var spread = shares.Count == 0 ? "none" : string.Join(", ", shares.Select(s => $"{s.Key} {s.Value}"));
        output.WriteLine($"  escrow shares over {totals.Accounts} account(s), as this region sees them: {spread}; held by open holds {Money.Format(totals.Held)}");
        if (status.Peers.IsDefaultOrEmpty)
        {
            output.WriteLine("  no peers");
            return;
        }

        output.WriteLine($"  {"peer",-8} {"link",-6} {"lag",8} {"lag ms",8} {"shipped",9} {"batches",8} {"in sync",8}  fault");
        foreach (var peer in status.Peers)
        {
            var inSync = peer.InSync switch { true => "yes", false => "no", null => "?" };
            output.WriteLine($"  {peer.Peer,-8} {peer.Link,-6} {peer.LagEvents,8} {peer.LagMs,8} {peer.Shipped,9} {peer.Batches,8} {inSync,8}  {peer.Fault}");
            if (peer.LastError is { } error)
            {
                output.WriteLine($"           last error: {error}");
            }
        }
    }

    private static Dictionary<string, long> VersionOf(VersionVector version) =>
        version.Entries.ToDictionary(e => e.Origin, e => e.Seq, StringComparer.Ordinal);

    private void Json<T>(T value)
    {
        var node = JsonSerializer.SerializeToNode(value, JsonOptions);
        if (node is System.Text.Json.Nodes.JsonObject fields && session?.Invoke() is { } token)
        {
            fields["session"] = token;
        }

        output.WriteLine(node?.ToJsonString(JsonOptions) ?? "null");
    }
}
