using System.Security.Cryptography;
using System.Text;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Hosting;

/// <summary>
/// When the region is configured with client credentials, every grain call that comes from a client (an SDK,
/// the CLI, a peer region's link, a team's own app) must carry one of them, whatever the namespace of the grain:
/// a team's entity types are covered like Concord's own. Calls between grains of the region and Orleans' own
/// system calls pass. A refused call throws <see cref="UnauthenticatedException"/> before any grain code runs,
/// so it changes nothing.
/// </summary>
internal sealed class ClientCredentialFilter(IOptions<ConcordOptions> options) : IIncomingGrainCallFilter
{
    private readonly byte[][] _accepted = [.. options.Value.ClientCredentials.Select(Encoding.UTF8.GetBytes)];

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (_accepted.Length > 0
            && context.SourceId is { } source && source.IsClient()
            && context.InterfaceMethod?.DeclaringType?.Namespace is { } calledNamespace
            && !calledNamespace.StartsWith("Orleans", StringComparison.Ordinal)
            && !IsAccepted(RequestContext.Get(ClientCredentials.RequestContextKey) as string))
        {
            throw new UnauthenticatedException(options.Value.Region);
        }

        return context.Invoke();
    }

    private bool IsAccepted(string? presented)
    {
        if (presented is null)
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(presented);
        var accepted = false;
        foreach (var candidate in _accepted)
        {
            // Constant time per candidate, so timing does not reveal how much of a credential matched.
            accepted |= CryptographicOperations.FixedTimeEquals(bytes, candidate);
        }

        return accepted;
    }
}
