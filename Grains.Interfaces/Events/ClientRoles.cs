namespace Concord.Grains.Interfaces.Events;

/// <summary>What a client credential allows, each role including the ones below it.</summary>
public enum ClientRole
{
    /// <summary>Reads: balances, statements, views, status, logs.</summary>
    Reader = 1,

    /// <summary>Reads and writes: every command of every entity type.</summary>
    Writer = 2,

    /// <summary>Everything: audits and link faults (<c>admin cut</c>/<c>heal</c>) too.</summary>
    Operator = 3,
}

/// <summary>
/// The least role a grain method needs when the region requires client credentials. A method without it needs
/// <see cref="ClientRole.Writer"/>; mark your entity's reads <c>[RequiresRole(ClientRole.Reader)]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class RequiresRoleAttribute(ClientRole role) : Attribute
{
    public ClientRole Role { get; } = role;
}

/// <summary>
/// How a region lists its client credentials: <c>ROLE:SECRET</c> with a role of <c>reader</c>, <c>writer</c> or
/// <c>operator</c>, or a bare <c>SECRET</c>, which is an operator's (every credential before roles existed).
/// </summary>
public static class ClientCredentialRoles
{
    /// <summary>The secret of the configured credential with the most rights (what a region's own calls and links present), or null.</summary>
    public static string? StrongestSecret(IEnumerable<string> configured) =>
        configured.Select(Parse).OrderByDescending(c => c.Role).Select(c => c.Secret).FirstOrDefault();

    /// <summary>The role and the secret of one configured credential.</summary>
    public static (ClientRole Role, string Secret) Parse(string configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        var colon = configured.IndexOf(':', StringComparison.Ordinal);
        var role = colon > 0 ? configured[..colon] : string.Empty;
        return role switch
        {
            "reader" => (ClientRole.Reader, configured[(colon + 1)..]),
            "writer" => (ClientRole.Writer, configured[(colon + 1)..]),
            "operator" => (ClientRole.Operator, configured[(colon + 1)..]),
            _ => (ClientRole.Operator, configured),
        };
    }
}
