using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Interfaces.Entities;

/// <summary>
/// The identity of an entity of a registered type: <c>type/key</c>. The type name routes every message
/// about the entity; the key follows <see cref="EntityKeys"/>. Accounts keep their bare keys (the ledger
/// predates entity types) and handles are <c>handle/NAME</c>.
/// </summary>
public static class EntityIds
{
    public const char Separator = '/';

    public static string Of(string typeName, string key) => $"{typeName}{Separator}{key}";

    /// <summary>Splits <c>type/key</c>; false for an id without a type (an account).</summary>
    public static bool TrySplit(string entityId, out string typeName, out string key)
    {
        var slash = entityId.IndexOf(Separator, StringComparison.Ordinal);
        typeName = slash > 0 ? entityId[..slash] : string.Empty;
        key = slash > 0 ? entityId[(slash + 1)..] : entityId;
        return slash > 0;
    }

    /// <summary>Type names: 1 to 32 characters of a-z 0-9 and '-', starting with a letter.</summary>
    public static bool IsValidTypeName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 32 && char.IsAsciiLetterLower(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

}
