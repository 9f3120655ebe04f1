using Concord.Grains.Constraints;
using Concord.Grains.Diagnostics;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Transactions;

namespace Concord.Grains.Handles;

/// <summary>
/// Renames at the handles' primary region: one transaction releases the old handle and claims the new one
/// for the same account, so the account is never without a handle and never holds both.
/// </summary>
[StatelessWorker]
internal sealed class HandleRenameGrain(ITransactionClient transactions, IOptions<ConcordOptions> options) : Grain, IHandleRenameGrain
{
    public async Task<HandleReceipt> RenameAsync(RenameHandleCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var requestId = EntityKeys.RequireRequestId(command.RequestId);
        var old = EntityKeys.RequireKey(command.Old, "old");
        var @new = EntityKeys.RequireKey(command.New, "new");
        if (string.Equals(old, @new, StringComparison.Ordinal))
        {
            throw new InvalidRequestException("new", "A rename needs two different handles.");
        }

        var primary = options.Value.HandlePrimary;
        if (!string.Equals(primary, options.Value.Region, StringComparison.Ordinal))
        {
            var result = await HomeRegionCall.InvokeAsync(
                ServiceProvider, primary, HandleEntities.EntityIdOf(old), options.Value.StrictForwardTimeout,
                (link, ct) => link.ForwardCommandAsync(new Entities.ForwardedCommand(HandleEntities.EntityIdOf(old), requestId, new HandleOperation(old, null, null, command), options.Value.Region), ct),
                cancellationToken);
            return result.ReceiptAs<HandleReceipt>();
        }

        var bindId = $"{requestId}/bind";
        if (await GrainFactory.GetGrain<IHandleReplicaGrain>(@new).HasRequestAsync(bindId))
        {
            return new HandleReceipt(@new, (await GrainFactory.GetGrain<IHandleGrain>(@new).WhoisAsync(cancellationToken)).Owner, Tentative: false, Replayed: true);
        }

        string? account = null;
        try
        {
            await transactions.RunTransaction(TransactionOption.Create, async () =>
            {
                account = await GrainFactory.GetGrain<IHandleOwnershipGrain>(old).ReleaseAsync()
                    ?? throw new InvalidRequestException("old", $"Handle '{old}' is not bound to any account.");
                await GrainFactory.GetGrain<IHandleOwnershipGrain>(@new).ClaimAsync(account);
            });
        }
        catch (OrleansTransactionAbortedException ex)
        {
            ServiceProvider.GetRequiredService<ConcordMetrics>().TransactionAborted(ServiceProvider.GetRequiredService<IOptions<ConcordOptions>>().Value.Region, "handle-rename");
            if (ex.InnerException is ConcordException inner)
            {
                throw inner;
            }

            throw;
        }

        await GrainFactory.GetGrain<IHandleReplicaGrain>(old).RecordBindingAsync($"{requestId}/release", new HandleReleased(account!));
        await GrainFactory.GetGrain<IHandleReplicaGrain>(@new).RecordBindingAsync(bindId, new HandleBound(account!, requestId));
        return new HandleReceipt(@new, account, Tentative: false, Replayed: false);
    }
}
