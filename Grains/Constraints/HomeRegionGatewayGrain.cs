using Concord.Grains.Entities;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Handles;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
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
            HandleOperation handle => new ForwardedCommandResult(await HandleAsync(handle, cancellationToken), []),
            var other => throw new InvalidRequestException("command", $"No replica here decides a forwarded {other?.GetType().Name ?? "null"} for '{command.EntityId}'."),
        };
    }

    private async Task<HandleReceipt> HandleAsync(HandleOperation operation, CancellationToken cancellationToken)
    {
        var primary = options.Value.HandlePrimary;
        if (!string.Equals(primary, options.Value.Region, StringComparison.Ordinal))
        {
            throw new CoordinationUnavailableException(HandleEntities.EntityIdOf(operation.Handle), primary, $"'{options.Value.Region}' received a handle operation, but the primary is '{primary}'; the regions' settings differ.");
        }

        var handle = GrainFactory.GetGrain<IHandleGrain>(EntityKeys.RequireKey(operation.Handle, "handle"));
        return (operation.Claim, operation.ReleaseRequestId, operation.Rename) switch
        {
            ({ } claim, null, null) => await handle.ClaimAsync(claim, cancellationToken),
            (null, { } release, null) => await handle.ReleaseAsync(release, cancellationToken),
            (null, null, { } rename) => await GrainFactory.GetGrain<IHandleRenameGrain>(0).RenameAsync(rename, cancellationToken),
            _ => throw new InvalidRequestException("operation", "A forwarded handle operation carries exactly one command."),
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
