using Concord.Grains.Interfaces.Errors;

namespace Concord.Grains.Interfaces.Entities;

/// <summary>
/// An event carries a payload kind this region has no registration for. Nothing was applied; a peer's batch
/// that holds one stays in the peer's feed and is shipped again once the kind is registered here.
/// </summary>
[GenerateSerializer, Alias("concord.error.unknown-payload-kind")]
public sealed class UnknownPayloadKindException : ConcordException
{
    public UnknownPayloadKindException(string kind, string entityId, string detail)
        : base($"Payload kind '{kind}' of '{entityId}' is not registered in this region: {detail}")
    {
        Kind = kind;
        EntityId = entityId;
    }

    [Id(0)]
    public string Kind { get; private set; }

    [Id(1)]
    public string EntityId { get; private set; }
}

/// <summary>An entity id names a type this region has no registration for. Nothing was applied.</summary>
[GenerateSerializer, Alias("concord.error.unknown-entity-type")]
public sealed class UnknownEntityTypeException : ConcordException
{
    public UnknownEntityTypeException(string typeName, string entityId)
        : base($"Entity type '{typeName}' of '{entityId}' is not registered in this region.")
    {
        TypeName = typeName;
        EntityId = entityId;
    }

    [Id(0)]
    public string TypeName { get; private set; }

    [Id(1)]
    public string EntityId { get; private set; }
}

/// <summary>
/// A command was refused by the entity's own rules (sold out, not allowed in this state). The message is the
/// entity type's; nothing was changed. Entity types may throw this or any other <see cref="ConcordException"/>.
/// </summary>
[GenerateSerializer, Alias("concord.error.command-rejected")]
public sealed class CommandRejectedException : ConcordException
{
    public CommandRejectedException(string entityId, string reason)
        : base($"'{entityId}' refused the command: {reason}")
    {
        EntityId = entityId;
        Reason = reason;
    }

    [Id(0)]
    public string EntityId { get; private set; }

    [Id(1)]
    public string Reason { get; private set; }
}
