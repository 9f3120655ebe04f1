using Concord.Grains.Entities;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Concord.Grains.Constraints;

[StatelessWorker]
internal sealed class HomeRegionGatewayGrain(IOptions<ConcordOptions> options, BatchTransferCoordinator batches, EntityTypeRegistry entityTypes) : Grain, IHomeRegionGatewayGrain
{
    public async Task<ForwardedCommandResult> CommandAsync(ForwardedCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Command is BatchTransferCommand batch)
        {
            // A batch is keyed by its request id, not by an entity: it has no type to resolve. The caller's session
            // travelled in the command (links carry no request context); the source accounts apply it as they are debited.
            if (command.SessionDependency is { } session)
            {
                RequestContext.Set(SessionTokens.RequestContextKey, session);
            }

            return new ForwardedCommandResult(await BatchAsync(batch, cancellationToken), []);
        }

        if (entityTypes.TryResolve(command.EntityId, out var type, out var key))
        {
            return await entityTypes.GrainOf(GrainFactory, type, key).ExecuteForwardedAsync(command, cancellationToken);
        }

        if (entityTypes.IsUnknownType(command.EntityId, out var unknown))
        {
            throw new UnknownEntityTypeException(unknown, command.EntityId);
        }

        throw new InvalidRequestException("command", $"No replica here decides a forwarded {command.Command?.GetType().Name ?? "null"} for '{command.EntityId}'.");
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
}
