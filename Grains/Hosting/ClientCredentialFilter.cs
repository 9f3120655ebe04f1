using System.Reflection;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Hosting;

/// <summary>
/// When the region is configured with client credentials, every grain call that comes from a client (an SDK,
/// the CLI, a peer region's link, a team's own app) must carry one of them, whatever the namespace of the grain:
/// a team's entity types are covered like Concord's own. The credential's role must reach the method's
/// (<see cref="RequiresRoleAttribute"/>; writer when unmarked). Calls between grains of the region and Orleans' own
/// system calls pass, and so do the silo's own calls from outside grains (<see cref="SiloCallCredential"/>). A
/// refused call throws <see cref="UnauthenticatedException"/> or <see cref="UnauthorizedException"/> before any
/// grain code runs, so it changes nothing.
/// </summary>
internal sealed class ClientCredentialFilter(IOptions<ConcordOptions> options, SiloCallCredential silo) : IIncomingGrainCallFilter
{
    // Roles are read from attributes once per method, not on every call.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<MethodInfo, ClientRole> _required = new();
    private readonly ClientCredentialVerifier _credentials = new(options.Value.ClientCredentials);

    // Not in _credentials: the console and other doors into the region never accept the silo's own secret.
    private readonly ClientCredentialVerifier _siloCalls = new([silo.Own]);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (!_credentials.IsOpen
            && context.SourceId is { } source && source.IsClient()
            && context.InterfaceMethod is { DeclaringType.Namespace: { } calledNamespace } method
            && !calledNamespace.StartsWith("Orleans", StringComparison.Ordinal))
        {
            var presented = RequestContext.Get(ClientCredentials.RequestContextKey) as string;
            var role = _credentials.RoleOf(presented) ?? _siloCalls.RoleOf(presented)
                ?? throw new UnauthenticatedException(options.Value.Region);
            var required = _required.GetOrAdd(method, static m => m.GetCustomAttribute<RequiresRoleAttribute>()?.Role ?? ClientRole.Writer);
            if (role < required)
            {
                throw new UnauthorizedException(options.Value.Region, $"{method.DeclaringType!.Name}.{method.Name}", required, role);
            }
        }

        return context.Invoke();
    }
}
