using System.Collections.Immutable;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Replication;

namespace Concord.Grains.Handles;

/// <summary>Internal side of a handle's replica: events from other regions, and bindings decided by a transaction.</summary>
[Alias("concord.IHandleReplicaGrain")]
public interface IHandleReplicaGrain : IGrainWithStringKey
{
    [Alias("apply-remote")]
    Task<RemoteApplyResult> ApplyRemoteAsync(ImmutableArray<EventEnvelope> events, CancellationToken cancellationToken = default);

    /// <summary>At the primary: appends a binding change a committed transaction decided. Idempotent by request id.</summary>
    [Alias("record-binding")]
    Task RecordBindingAsync(string requestId, EventPayload binding);

    [Alias("has-request")]
    Task<bool> HasRequestAsync(string requestId);
}

/// <summary>How handles map to log entity ids: <c>handle/NAME</c>, which no account id can collide with.</summary>
public static class HandleEntities
{
    public const string Prefix = "handle/";

    public static string EntityIdOf(string handle) => Prefix + handle;

    public static bool IsHandle(string entityId, out string handle)
    {
        handle = entityId.StartsWith(Prefix, StringComparison.Ordinal) ? entityId[Prefix.Length..] : string.Empty;
        return handle.Length > 0;
    }
}
