using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Concord.Grains.Constraints;

/// <summary>
/// Entry point of batch transfers in any region: decides here when this is the sources' home, forwards otherwise,
/// with the caller's session (what it saw of each source account), which each source applies before it is debited.
/// </summary>
[StatelessWorker]
internal sealed class BatchTransferGrain(BatchTransferCoordinator coordinator, IOptions<ConcordOptions> options) : Grain, IBatchTransferGrain
{
    public async Task<BatchReceipt> TransferAsync(BatchTransferCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var home = coordinator.HomeOf(command);
        if (string.Equals(home, options.Value.Region, StringComparison.Ordinal))
        {
            return await coordinator.DecideAsync(command, cancellationToken);
        }

        var result = await HomeRegionCall.InvokeAsync(
            ServiceProvider,
            home,
            command.RequestId,
            options.Value.StrictForwardTimeout,
            (link, ct) => link.ForwardCommandAsync(new Entities.ForwardedCommand(command.RequestId, command.RequestId, command, options.Value.Region, RequestContext.Get(SessionTokens.RequestContextKey) as string), ct),
            cancellationToken);
        return result.ReceiptAs<BatchReceipt>();
    }
}
