namespace Concord.Grains.Entities;

/// <summary>
/// Subscribes a view grain to the log channel of every entity of <paramref name="entityType"/>: Orleans activates
/// one view grain per entity, keyed by the entity id (<c>type/key</c>), on its first event.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class EntityViewOfAttribute(string entityType) : ImplicitChannelSubscriptionAttribute(Streaming.StreamNames.EntityLog(entityType))
{
    public string EntityType { get; } = entityType;
}
