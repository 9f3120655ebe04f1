using Concord.Grains.Entities;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Storage;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Concord.Grains.Constraints;

[StatelessWorker]
internal sealed class HomeRegionGatewayGrain(IEventLogStore store, IOptions<ConcordOptions> options, BatchTransferCoordinator batches, EntityTypeRegistry entityTypes) : Grain, IHomeRegionGatewayGrain
{
    public async Task<ForwardedCommandResult> CommandAsync(ForwardedCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (entityTypes.TryResolve(command.EntityId, out var type, out var key))
        {
            return await entityTypes.GrainOf(GrainFactory, type, key).ExecuteForwardedAsync(command, cancellationToken);
        }

        if (entityTypes.IsUnknownType(command.EntityId, out var unknown))
        {
            throw new UnknownEntityTypeException(unknown, command.EntityId);
        }

        return command.Command switch
        {
            ForwardedDebit debit => await DebitAsync(debit, cancellationToken),
            BatchTransferCommand batch => new ForwardedCommandResult(await BatchAsync(batch, cancellationToken), []),
            var other => throw new InvalidRequestException("command", $"No replica here decides a forwarded {other?.GetType().Name ?? "null"} for '{command.EntityId}'."),
        };
    }

    private async Task<BatchReceipt> BatchAsync(BatchTransferCommand command, CancellationToken cancellationToken)
    {
        var home = batches.HomeOf(command);
        if (!string.Equals(home, options.Value.Region, StringComparison.Ordinal))
        {
            throw new CoordinationUnavailableException(command.RequestId, home, $"'{options.Value.Region}' received a batch homed in '{home}'; the regions' lists differ.");
        }

        return await batches.DecideAsync(command, cancellationToken);
    }

    private async Task<ForwardedCommandResult> DebitAsync(ForwardedDebit debit, CancellationToken cancellationToken)
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
        return new ForwardedCommandResult(receipt, logged is null ? [] : [logged.Event]);
    }
}
