using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Hosting;

/// <summary>
/// Holds a call on a replicated entity until this region's replica has applied what the caller's session saw of that
/// entity (<see cref="SessionTokens"/>), so that no answer and no decision comes from an older state than the session's.
/// Only a dependency on the called entity counts: one on another entity (a batch names each source account; a call's
/// context flows on into the calls it makes) is that entity's to apply.
/// </summary>
internal sealed class SessionFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.TargetContext?.GrainInstance is ISessionReplica replica
            && SessionTokens.TryReadDependency(RequestContext.Get(SessionTokens.RequestContextKey), replica.SessionEntityId, out var required))
        {
            await replica.AwaitSessionAsync(required);
        }

        await context.Invoke();
    }
}
