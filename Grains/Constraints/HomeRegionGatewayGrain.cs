using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Storage;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Concord.Grains.Constraints;

[StatelessWorker]
internal sealed class HomeRegionGatewayGrain(IEventLogStore store, IOptions<ConcordOptions> options, BatchTransferCoordinator batches) : Grain, IHomeRegionGatewayGrain
{
    public async Task<BatchReceipt> BatchAsync(BatchTransferCommand command, CancellationToken cancellationToken = default)
    {
        var home = batches.HomeOf(command);
        if (!string.Equals(home, options.Value.Region, StringComparison.Ordinal))
        {
            throw new CoordinationUnavailableException(command.RequestId, home, $"'{options.Value.Region}' received a batch homed in '{home}'; the regions' lists differ.");
        }

        return await batches.DecideAsync(command, cancellationToken);
    }

    public async Task<ForwardedDebitResult> DebitAsync(ForwardedDebit debit, CancellationToken cancellationToken = default)
    {
        var region = options.Value.Region;
        var home = HomeRegions.OfAccount(EntityKeys.RequireKey(debit.Account, "account"), options.Value.EffectiveRegions);
        if (!string.Equals(home, region, StringComparison.Ordinal))
        {
            // Never forward again: regions that disagree on the region list must not bounce a debit around.
            throw new CoordinationUnavailableException(debit.Account, home, $"region '{debit.FromRegion}' sent it to '{region}', which computes '{home}' as home; the regions' lists differ.");
        }

        var account = GrainFactory.GetGrain<IAccountGrain>(debit.Account);
        var receipt = (debit.Transfer, debit.Payout) switch
        {
            ({ } transfer, null) => await account.TransferAsync(transfer with { Mode = ConsistencyMode.Strict }, cancellationToken),
            (null, { } payout) => await account.PayoutAsync(payout, cancellationToken),
            _ => throw new InvalidRequestException("debit", "A forwarded debit carries exactly one command."),
        };
        var logged = await store.FindAsync(receipt.EventId, cancellationToken);
        return new ForwardedDebitResult(receipt, logged?.Event);
    }
}
