using Concord.Grains.Interfaces.Entities;

namespace Concord.Grains.Handles;

/// <summary>How handles map to log entity ids: <c>handle/NAME</c>, the entity type <see cref="HandleType"/> names.</summary>
public static class HandleEntities
{
    public static string EntityIdOf(string handle) => EntityIds.Of(HandleType.TypeName, handle);

    public static bool IsHandle(string entityId, out string handle) =>
        EntityIds.TrySplit(entityId, out var type, out handle) && type == HandleType.TypeName && handle.Length > 0;
}
