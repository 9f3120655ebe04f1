using System.Globalization;
using System.Text;
using Concord.Grains.Interfaces.Errors;

namespace Concord.Grains.Interfaces.Events;

/// <summary>
/// A client session's causal dependencies: per entity, the version (per origin, highest seq) of everything the
/// session wrote or read. A call on an entity carries that entity's entry, and the region that answers first applies
/// it (<see cref="SessionNotCaughtUpException"/> when it cannot within its bound). Per entity rather than per region,
/// because an event's sequence number is per (entity, origin) chain: every region can check such a vector against the
/// replica it holds, however the events reached it.
/// </summary>
public static class SessionTokens
{
    /// <summary>
    /// Where a call's dependencies travel: per entity, <c>entity-id</c>, a newline, and the version
    /// (<c>origin:seq,...</c>), entities separated by newlines. One entry for a call on one entity; one per source
    /// account for a batch transfer.
    /// </summary>
    public const string RequestContextKey = "concord.session";

    private const string Prefix = "s1";

    /// <summary>The request-context value for one entity's dependency.</summary>
    public static string DependencyOf(string entityId, VersionVector version) => $"{entityId}\n{Format(version)}";

    /// <summary>The request-context value for several entities' dependencies.</summary>
    public static string DependencyOf(IEnumerable<KeyValuePair<string, VersionVector>> dependencies) =>
        string.Join('\n', dependencies.Select(d => DependencyOf(d.Key, d.Value)));

    /// <summary>
    /// Reads what a call's dependencies (<see cref="RequestContextKey"/>'s value) require of <paramref name="entityId"/>;
    /// false when they name it not at all, or are not dependencies.
    /// </summary>
    public static bool TryReadDependency(object? value, string entityId, out VersionVector version)
    {
        version = VersionVector.Empty;
        if (value is not string text)
        {
            return false;
        }

        var lines = text.Split('\n');
        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            if (string.Equals(lines[i], entityId, StringComparison.Ordinal))
            {
                return TryParseVersion(lines[i + 1], out version);
            }
        }

        return false;
    }

    /// <summary>
    /// A whole session as one string a person can pass on (<c>s1;SERVICE;ENTITY=origin:seq,...;...</c>), for a client
    /// that resumes another's session. Entities are sorted, so equal sessions print equal tokens.
    /// </summary>
    public static string Format(string serviceId, IEnumerable<KeyValuePair<string, VersionVector>> session)
    {
        var text = new StringBuilder(Prefix).Append(';').Append(serviceId);
        foreach (var (entity, version) in session.Where(e => e.Value.Entries.Length > 0).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append(';').Append(entity).Append('=').Append(Format(version));
        }

        return text.ToString();
    }

    /// <summary>Reads a session token printed by <see cref="Format(string, IEnumerable{KeyValuePair{string, VersionVector}})"/>.</summary>
    /// <exception cref="InvalidRequestException">The token is malformed, or belongs to another deployment (service id).</exception>
    public static IReadOnlyDictionary<string, VersionVector> Parse(string token, string serviceId)
    {
        var parts = (token ?? string.Empty).Split(';');
        if (parts.Length < 2 || parts[0] != Prefix)
        {
            throw new InvalidRequestException("session", $"'{Abbreviate(token)}' is not a Concord session token (they start with '{Prefix};').");
        }

        if (!string.Equals(parts[1], serviceId, StringComparison.Ordinal))
        {
            throw new InvalidRequestException("session", $"The session token is from deployment '{parts[1]}', not '{serviceId}'.");
        }

        var session = new Dictionary<string, VersionVector>(StringComparer.Ordinal);
        foreach (var part in parts.Skip(2))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !EntityIdIsPlausible(part[..equals]) || !TryParseVersion(part[(equals + 1)..], out var version) || !session.TryAdd(part[..equals], version))
            {
                throw new InvalidRequestException("session", $"Session token entry '{Abbreviate(part)}' is not ENTITY=origin:seq,... (once per entity).");
            }
        }

        return session;
    }

    private static string Format(VersionVector version) =>
        string.Join(',', version.Entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Origin}:{e.Seq}")));

    private static bool TryParseVersion(string text, out VersionVector version)
    {
        version = VersionVector.Empty;
        var entries = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.LastIndexOf(':');
            if (colon <= 0 || !EntityKeys.IsValidKey(entry[..colon])
                || !long.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) || seq < 1
                || !entries.TryAdd(entry[..colon], seq))
            {
                return false;
            }
        }

        version = VersionVector.From(entries);
        return entries.Count > 0;
    }

    private static bool EntityIdIsPlausible(string entityId) =>
        entityId.Split('/') is { Length: <= 2 } segments && segments.All(EntityKeys.IsValidKey);

    private static string Abbreviate(string? text) => text is null ? string.Empty : text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 60), "…");
}
