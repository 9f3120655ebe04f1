using Concord.Grains.Diagnostics;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Entities.Crdts;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Replication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Concord.Grains.Entities;

/// <summary>
/// Escrow for types that declare it (<see cref="IEscrowedEntityType{TState}"/>): strict commands this region's share
/// covers are decided here; a short share makes the replica ask its peers in the background, and a peer asked
/// hands over what it can spare as an <see cref="EscrowShareGiven"/> event of its own.
/// </summary>
public abstract partial class ReplicatedEntityGrain<TState>
{
    /// <summary>
    /// Asks peers, in the background, for enough share that this region could spend <paramref name="spend"/> (what a
    /// strict decision outside a command, a batch's reservation, found short); throttled as a command's asks are.
    /// </summary>
    private protected void AskForShareToCover(long spend) => AskForShare(_machine.AsksToCover(spend, _mayAsk));

    /// <summary>Asks each peer the machine named for share, in the background; never awaited by a command.</summary>
    private void AskForShare(IReadOnlyList<(string Peer, long Amount)> asks)
    {
        if (asks.Count == 0 || ServiceProvider.GetService<RegionLinks>() is not { } links)
        {
            return;
        }

        var backoff = ServiceProvider.GetRequiredService<EscrowAskBackoff>();
        foreach (var (peer, amount) in asks)
        {
            ServiceProvider.GetRequiredService<ConcordMetrics>().EscrowAsked(Region, _runtime.Name);
            _ = AskForShareAsync(links, backoff, peer, amount);
        }
    }

    /// <summary>Asks <paramref name="peer"/> for share, bounded and never awaited by a command; what it gives arrives by replication.</summary>
    private async Task AskForShareAsync(RegionLinks links, EscrowAskBackoff backoff, string peer, long amount)
    {
        try
        {
            using var bounded = new CancellationTokenSource(_options.StrictForwardTimeout);
            var ask = new ForwardedCommand(EntityId, DerivedRequestIds.Of("escrow-ask", Region), new EscrowShareRequest(Region, amount), Region);
            await links.Get(peer).ForwardCommandAsync(ask, bounded.Token);
            backoff.Reached(peer);
        }
        catch (Exception ex)
        {
            backoff.Failed(peer, _options.EscrowAskInterval);
            LogEscrowAskFailed(ex, EntityId, peer);
        }
    }

    /// <summary>Hands a peer that asked what this region can spare of its share, as an event of this region's.</summary>
    private async Task<ForwardedCommandResult> GiveShareAsync(EscrowShareRequest ask)
    {
        if (_runtime.Escrow is null)
        {
            throw new InvalidRequestException("command", $"Entity type '{_runtime.Name}' holds no escrow to hand over.");
        }

        if (string.Equals(ask.To, Region, StringComparison.Ordinal) || ask.Amount <= 0)
        {
            throw new InvalidRequestException("command", $"A share request to '{ask.To}' for {ask.Amount} is not one region can give another.");
        }

        var give = _machine.GiveableShare(ask.Amount);
        if (give <= 0)
        {
            return new ForwardedCommandResult(new EntityReceipt(EntityId, [], _machine.Fold.Position, Replayed: false, Region), []);
        }

        // Decided in this synchronous section against this region's own rights, as every spend is.
        var requestId = DerivedRequestIds.Of("escrow-give", $"{ask.To}-{Guid.NewGuid():N}");
        var logged = await _machine.GiveShareAsync(ask.To, give, requestId);
        ServiceProvider.GetRequiredService<ConcordMetrics>().EscrowGiven(Region, _runtime.Name);
        return logged is null
            ? new ForwardedCommandResult(new EntityReceipt(EntityId, [], _machine.Fold.Position, Replayed: false, Region), [])
            : new ForwardedCommandResult(new EntityReceipt(EntityId, [logged.Event.Id], logged.Position, Replayed: false, Region), [logged.Event]);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{EntityId}: asking region {Peer} for escrow share failed; the next short spend asks again.")]
    private partial void LogEscrowAskFailed(Exception exception, string entityId, string peer);
}
