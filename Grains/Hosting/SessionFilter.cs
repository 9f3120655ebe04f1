using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Hosting;

/// <summary>
/// Holds a call on a replicated entity until this region's replica has applied what the caller's session saw of that
/// entity (<see cref="SessionTokens"/>), so that no answer and no decision comes from an older state than the session's.
/// Only a dependency on the called entity counts: one that flowed on into calls to other entities is ignored.
/// </summary>
internal sealed class SessionFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.TargetContext?.GrainInstance is ISessionReplica replica
            && SessionTokens.TryReadDependency(RequestContext.Get(SessionTokens.RequestContextKey), out var entityId, out var required)
            && string.Equals(entityId, replica.SessionEntityId, StringComparison.Ordinal))
        {
            await replica.AwaitSessionAsync(required);
        }

        await context.Invoke();
    }
}
