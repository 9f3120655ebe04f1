using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Errors;
using Orleans.Transactions.Abstractions;

namespace Concord.Grains.Handles;

internal sealed class HandleOwnershipGrain(
    [TransactionalState("owner", ConcordStorage.Transactions)] ITransactionalState<HandleOwnership> owner) : Grain, IHandleOwnershipGrain
{
    public Task ClaimAsync(string account) =>
        owner.PerformUpdate(o =>
        {
            if (o.Account is { } current && !string.Equals(current, account, StringComparison.Ordinal))
            {
                throw new HandleTakenException(this.GetPrimaryKeyString(), current);
            }

            o.Account = account;
        });

    public Task<string?> ReleaseAsync() =>
        owner.PerformUpdate(o =>
        {
            var previous = o.Account;
            o.Account = null;
            return previous;
        });

    public Task<string?> GetOwnerAsync() => owner.PerformRead(o => o.Account);
}
