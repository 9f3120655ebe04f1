using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Hosting;

/// <summary>
/// When the region is configured with client credentials, every grain call that comes from a client (an SDK,
/// the CLI, a peer region's link, a team's own app) must carry one of them, whatever the namespace of the grain:
/// a team's entity types are covered like Concord's own. The credential's role must reach the method's
/// (<see cref="RequiresRoleAttribute"/>; writer when unmarked). Calls between grains of the region and Orleans' own
/// system calls pass. A refused call throws <see cref="UnauthenticatedException"/> or
/// <see cref="UnauthorizedException"/> before any grain code runs, so it changes nothing.
/// </summary>
internal sealed class ClientCredentialFilter(IOptions<ConcordOptions> options) : IIncomingGrainCallFilter
{
    // Roles are read from attributes once per method, not on every call.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<MethodInfo, ClientRole> _required = new();

    private readonly (ClientRole Role, byte[] Secret)[] _accepted =
        [.. options.Value.ClientCredentials.Select(ClientCredentialRoles.Parse).Select(c => (c.Role, Encoding.UTF8.GetBytes(c.Secret)))];

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (_accepted.Length > 0
            && context.SourceId is { } source && source.IsClient()
            && context.InterfaceMethod is { DeclaringType.Namespace: { } calledNamespace } method
            && !calledNamespace.StartsWith("Orleans", StringComparison.Ordinal))
        {
            var role = RoleOf(RequestContext.Get(ClientCredentials.RequestContextKey) as string)
                ?? throw new UnauthenticatedException(options.Value.Region);
            var required = _required.GetOrAdd(method, static m => m.GetCustomAttribute<RequiresRoleAttribute>()?.Role ?? ClientRole.Writer);
            if (role < required)
            {
                throw new UnauthorizedException(options.Value.Region, $"{method.DeclaringType!.Name}.{method.Name}", required, role);
            }
        }

        return context.Invoke();
    }

    private ClientRole? RoleOf(string? presented)
    {
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
