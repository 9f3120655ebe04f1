using Concord.Grains.Constraints;
using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Ledger;

/// <summary>Strict debits forwarded to the home region, and the overdraft apologies only the home region appends.</summary>
internal sealed partial class AccountGrain
{
    /// <summary>
    /// Sends a strict debit to the account's home region and waits, bounded, for its decision. When the home
    /// region cannot be reached in time the debit fails with <see cref="CoordinationUnavailableException"/>
    /// and nothing is appended here. The home's event is applied here at once, so this region reads its write.
    /// </summary>
    private async Task<WriteReceipt> ForwardToHomeAsync(string requestId, EventPayload payload, ForwardedDebit debit, CancellationToken cancellationToken)
    {
        if (_state.TryGetRequest(requestId, out var done))
        {
            RequireSameRequest(requestId, done.Payload, payload);
            return new WriteReceipt(done.EventId, done.Position, Replayed: true);
        }

        ForwardedCommandResult result;
        try
        {
            result = await HomeRegionCall.InvokeAsync(
                ServiceProvider, _home, Account, _options.StrictForwardTimeout, (link, ct) => link.ForwardCommandAsync(new ForwardedCommand(Account, requestId, debit, _options.Region), ct), cancellationToken);
        }
        catch (CoordinationUnavailableException ex)
        {
            LogForwardFailed(ex, Account, _home);
            throw;
        }

        if (!result.Events.IsDefaultOrEmpty)
        {
            await ApplyRemoteAsync(result.Events, cancellationToken);
        }

        var receipt = result.ReceiptAs<WriteReceipt>();
        return _state.TryGetRequest(requestId, out var applied) && applied.EventId == receipt.EventId
            ? new WriteReceipt(applied.EventId, applied.Position, receipt.Replayed)
            : receipt;
    }

    /// <summary>At the home region only: append one apology for an overdraft that has none yet.</summary>
    private void MaybeApologise()
    {
        if (!IsHome || _apologyStaged || _log.IsFaulted || _state.Balance >= 0 || _state.OverdraftOpen)
        {
            return;
        }

        _apologyStaged = true;
        var apology = new OverdraftApology(-_state.Balance, [.. _state.RecentDebits]);
        LogOverdraft(Account, _state.Balance, apology.Causes.Length);

        // '/' cannot appear in client request ids, so this id never collides with one.
        // A failed append faults the log and deactivates the grain; the next activation apologises again.
        StageLocalAsync($"apology/overdraft/{_state.Apologies + 1}", apology).Ignore();
    }
}
