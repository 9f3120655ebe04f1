using System.Collections.Immutable;
using System.Reflection;
using Concord.Grains.Diagnostics;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Concord.Silo.WebConsole;

/// <summary>
/// The web console a silo serves beside the Orleans Dashboard: its region, links, rates, apologies, audits and any
/// entity's log, plus cut, heal and audit for operators. Plain HTML, CSS and script embedded in this assembly; the
/// page polls <c>/console/api/state</c> every second. docs/console.md shows it.
/// </summary>
internal static class ConsoleEndpoints
{
    public const string Path = "/console";
    private const int ApologiesShown = 20;
    private const int EventsShown = 1000;

    // A peer that does not answer within this is shown unreachable; the page never waits on a slow region.
    private static readonly TimeSpan PeerStatusTimeout = TimeSpan.FromSeconds(1);

    public static void MapConcordConsole(this WebApplication app, IEnumerable<string> clientCredentials)
    {
        var access = new ConsoleAccess(new ClientCredentialVerifier(clientCredentials));
        var grains = app.Services.GetRequiredService<IGrainFactory>();
        var metrics = app.Services.GetRequiredService<ConcordMetrics>();
        // A region without peers registers no links; only a region with peers asks them.
        var links = new Lazy<RegionLinks>(() => app.Services.GetRequiredService<RegionLinks>());

        app.MapGet(Path, () => Asset("console.html", "text/html; charset=utf-8"));
        app.MapGet($"{Path}/console.css", () => Asset("console.css", "text/css; charset=utf-8"));
        app.MapGet($"{Path}/console.js", () => Asset("console.js", "text/javascript; charset=utf-8"));

        var api = app.MapGroup($"{Path}/api");
        api.MapGet("/state", (HttpRequest request, CancellationToken cancellationToken) =>
            Guarded(access, request, ClientRole.Reader, () => StateAsync(grains, metrics, links, access.RoleOf(request)!.Value, cancellationToken)));
        api.MapGet("/entities/{**id}", (string id, HttpRequest request, CancellationToken cancellationToken) =>
            Guarded(access, request, ClientRole.Reader, () => EntityAsync(grains, id, cancellationToken)));
        api.MapPost("/links/{peer}/cut", (string peer, HttpRequest request, CancellationToken cancellationToken) =>
            Guarded(access, request, ClientRole.Operator, () => SetFaultAsync(grains, peer, new LinkFault(Cut: true), cancellationToken)));
        api.MapPost("/links/{peer}/heal", (string peer, HttpRequest request, CancellationToken cancellationToken) =>
            Guarded(access, request, ClientRole.Operator, () => SetFaultAsync(grains, peer, LinkFault.None, cancellationToken)));
        api.MapPost("/audit", (HttpRequest request, CancellationToken cancellationToken) =>
            Guarded(access, request, ClientRole.Operator, async () => (object?)ToConsole(await grains.GetGrain<IAuditorGrain>(0).RunAsync(new AuditRequest(), cancellationToken))));
    }

    /// <summary>Runs <paramref name="answer"/> when the request's role suffices; a refused request changes nothing.</summary>
    private static async Task<IResult> Guarded(ConsoleAccess access, HttpRequest request, ClientRole required, Func<Task<object?>> answer)
    {
        if (access.Refusal(request, required) is { } refusal)
        {
            return refusal;
        }

        // The grains see the caller's own credential, so the region's call filter checks the same role again.
        if (ConsoleAccess.Presented(request) is { } credential)
        {
            RequestContext.Set(ClientCredentials.RequestContextKey, credential);
        }

        try
        {
            return await answer() is { } body ? Results.Json(body) : Results.NotFound(new ConsoleError("no such entity in this region"));
        }
        catch (InvalidRequestException ex)
        {
            return Results.Json(new ConsoleError(ex.Message), statusCode: StatusCodes.Status400BadRequest);
        }
        catch (UnauthenticatedException ex)
        {
            return Results.Json(new ConsoleError(ex.Message), statusCode: StatusCodes.Status401Unauthorized);
        }
        catch (UnauthorizedException ex)
        {
            return Results.Json(new ConsoleError(ex.Message), statusCode: StatusCodes.Status403Forbidden);
        }
        finally
        {
            RequestContext.Remove(ClientCredentials.RequestContextKey);
        }
    }

    private static async Task<object?> StateAsync(IGrainFactory grains, ConcordMetrics metrics, Lazy<RegionLinks> links, ClientRole role, CancellationToken cancellationToken)
    {
        var status = grains.GetGrain<IRegionAdminGrain>(0).GetStatusAsync(cancellationToken);
        var own = await status;
        var peers = Task.WhenAll(own.Peers.Select(p => PeerAsync(links.Value.Get(p.Peer), cancellationToken)));
        var apologies = grains.GetGrain<IApologyFeedGrain>(0).GetAsync(maxCount: ApologiesShown, cancellationToken: cancellationToken);
        var audit = role >= ClientRole.Operator ? grains.GetGrain<IAuditorGrain>(0).GetLatestAsync(cancellationToken) : Task.FromResult<AuditReport?>(null);
        var (region, feed, latest, others) = (own, await apologies, await audit, await peers);
        return new ConsoleState(
            region.Region,
            region.Regions,
            region.Digest,
            region.FaultInjection,
            region.Recovery,
            ConsoleAccess.Name(role),
            DateTimeOffset.UtcNow,
            metrics.AppendedTotal,
            metrics.AppliedTotal,
            LinksOf(region),
            [.. feed.Select(a => new ConsoleApology(a.EventId.ToString(), a.EventId.EntityId, a.Subject, a.Kind, a.Description, a.Hlc.ToString()))],
            latest is null ? null : ToConsole(latest),
            [new ConsoleRegion(region.Region, null, LinksOf(region)), .. others]);
    }

    /// <summary>A peer's own view of its links, bounded by <see cref="PeerStatusTimeout"/>.</summary>
    private static async Task<ConsoleRegion> PeerAsync(IRegionLink link, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(PeerStatusTimeout);
        try
        {
            var status = await link.GetStatusAsync(bound.Token).WaitAsync(bound.Token);
            return new ConsoleRegion(link.Peer, null, LinksOf(status));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever kept the answer away (a cut, a down peer, a refusal), the page shows it and carries on.
            var why = ex is OperationCanceledException ? $"no answer within {PeerStatusTimeout.TotalSeconds:0} s" : ex.Message;
            return new ConsoleRegion(link.Peer, why, []);
        }
    }

    private static ImmutableArray<ConsoleLink> LinksOf(RegionStatus status) =>
        [.. status.Peers.Select(p => new ConsoleLink(p.Peer, p.Link, p.LagEvents, p.LagMs, p.Shipped, p.Batches, p.Repaired, p.InSync, p.Fault, p.LastError))];

    private static async Task<object?> EntityAsync(IGrainFactory grains, string id, CancellationToken cancellationToken)
    {
        var page = await grains.GetGrain<IRegionAdminGrain>(0).ReadLogAsync(id, 1, EventsShown, cancellationToken);
        if (page.Head == 0)
        {
            return null;
        }

        var origins = page.Events.GroupBy(e => e.Event.Id.Origin, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var events = g.OrderBy(e => e.Event.Id.Seq).ToImmutableArray();
            var linked = events.Select((e, i) => i == 0 ? e.Event.Id.Seq != 1 || e.Event.PrevHash == ChainHash.Genesis : e.Event.PrevHash == events[i - 1].Event.Hash).All(ok => ok);
            return new ConsoleChain(g.Key, linked, [.. events.Select(e => new ConsoleEvent(
                e.Position, e.Event.Id.Seq, e.Event.RequestId, e.Event.Hlc.ToString(), e.Event.Payload.ToString(), e.Event.PrevHash.ToString(), e.Event.Hash.ToString()))]);
        });
        return new ConsoleEntity(page.EntityId, page.Head, page.Head > page.Events.Length, [.. origins]);
    }

    private static async Task<object?> SetFaultAsync(IGrainFactory grains, string peer, LinkFault fault, CancellationToken cancellationToken)
    {
        await grains.GetGrain<IRegionAdminGrain>(0).SetLinkFaultAsync(peer, fault, cancellationToken);
        return new { peer, fault = fault.ToString() };
    }

    private static ConsoleAudit ToConsole(AuditReport report) => new(
        report.Region,
        report.StartedAt,
        report.Duration.TotalMilliseconds,
        report.Entities,
        report.Events,
        report.Chains,
        report.PeersUnreachable.IsDefault ? [] : report.PeersUnreachable,
        report.Findings.IsDefault ? [] : [.. report.Findings.Select(f => new ConsoleFinding(f.EntityId, f.Kind, f.Position, f.Detail))]);

    private static IResult Asset(string name, string contentType)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Concord.Silo.WebConsole.{name}")
            ?? throw new InvalidOperationException($"The console asset {name} is not embedded in the silo.");
        return Results.Stream(stream, contentType);
    }
}
