using System.Security.Cryptography;
using System.Text;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Hosting;

/// <summary>
/// A region's client credentials and what each allows: the one check behind the grain call filter and every other
/// door into the region (the web console). With none configured the region is open and every caller is an operator.
/// </summary>
public sealed class ClientCredentialVerifier
{
    private readonly (ClientRole Role, byte[] Secret)[] _accepted;

    /// <param name="configured">The region's credentials as configured: <c>ROLE:SECRET</c> or a bare (operator) <c>SECRET</c>.</param>
    public ClientCredentialVerifier(IEnumerable<string> configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        _accepted = [.. configured.Select(ClientCredentialRoles.Parse).Select(c => (c.Role, Encoding.UTF8.GetBytes(c.Secret)))];
    }

    /// <summary>True when the region requires no credential.</summary>
    public bool IsOpen => _accepted.Length == 0;

    /// <summary>The role <paramref name="presented"/> carries: operator for anyone when the region is open, null when it matches no credential.</summary>
    public ClientRole? RoleOf(string? presented)
    {
        if (IsOpen)
        {
            return ClientRole.Operator;
        }

        if (presented is null)
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(presented);
        ClientRole? role = null;
        foreach (var (candidateRole, secret) in _accepted)
        {
            // Constant time per candidate, and every candidate compared, so timing does not reveal which matched or how much.
            if (CryptographicOperations.FixedTimeEquals(bytes, secret) && role is null)
            {
                role = candidateRole;
            }
        }

        return role;
    }
}
