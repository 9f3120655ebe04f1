using System.Security.Cryptography;
using System.Text;
using Concord.Grains.Interfaces.Events;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Hosting;

/// <summary>
/// What the silo's own calls from outside a grain (start-up work) present: Orleans counts them as client calls, so
/// they need a credential. The region's strongest configured credential when it is a writer's or an operator's (as
/// every silo of the region has it); otherwise, since a region may list reader credentials only, an operator secret
/// of the silo's own that <see cref="ClientCredentialFilter"/> accepts and nothing else does. That secret is derived
/// from the replication secret when there is one, so every silo of the region accepts the others'; without one it
/// is random per silo, and such a region runs one silo.
/// </summary>
internal sealed class SiloCallCredential
{
    public SiloCallCredential(IOptions<ConcordOptions> options)
    {
        var concord = options.Value;
        Own = concord.ReplicationSecret is { } shared
            ? Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(shared), Encoding.UTF8.GetBytes($"concord/silo-calls/{concord.Region}")))
            : Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        Presented = concord.ClientCredentials.Count == 0 ? null
            : concord.ClientCredentials.Select(ClientCredentialRoles.Parse).Where(c => c.Role >= ClientRole.Writer)
                .OrderByDescending(c => c.Role).Select(c => c.Secret).FirstOrDefault() ?? Own;
    }

    /// <summary>The secret this silo's own calls present; null when the region requires none.</summary>
    public string? Presented { get; }

    /// <summary>The silo's own operator secret (accepted by the call filter alongside the configured credentials).</summary>
    public string Own { get; }
}
