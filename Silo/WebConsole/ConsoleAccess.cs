using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Events;
using Microsoft.AspNetCore.Http;

namespace Concord.Silo.WebConsole;

/// <summary>
/// Who may do what in the web console: the region's own client credentials, presented as
/// <c>Authorization: Bearer SECRET</c>, with the roles the gateway applies (reader sees, operator cuts, heals and
/// audits). An open region (no credentials, the local default) opens its console too. Every change also needs the
/// <c>X-Concord-Console</c> header, which a page on another site cannot send without a CORS preflight this silo never
/// answers: a browser tab elsewhere cannot cut a link behind the operator's back.
/// </summary>
internal sealed class ConsoleAccess(ClientCredentialVerifier credentials)
{
    public const string ChangeHeader = "X-Concord-Console";

    /// <summary>Null when <paramref name="request"/> may go on, or the response that refuses it.</summary>
    public IResult? Refusal(HttpRequest request, ClientRole required)
    {
        if (!HttpMethods.IsGet(request.Method) && !request.Headers.ContainsKey(ChangeHeader))
        {
            return Results.Json(new ConsoleError($"changes need the {ChangeHeader} header (the console page sends it)"), statusCode: StatusCodes.Status400BadRequest);
        }

        return RoleOf(request) switch
        {
            null => Results.Json(new ConsoleError("this region needs a client credential: enter one in the console"), statusCode: StatusCodes.Status401Unauthorized),
            { } role when role < required => Results.Json(
                new ConsoleError($"a {Name(role)} credential cannot do this: it needs the {Name(required)} role"), statusCode: StatusCodes.Status403Forbidden),
            _ => null,
        };
    }

    /// <summary>The role the request's credential carries (operator in an open region), or null.</summary>
    public ClientRole? RoleOf(HttpRequest request) => credentials.RoleOf(Presented(request));

    /// <summary>The credential in the request's <c>Authorization: Bearer</c> header, or null.</summary>
    public static string? Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
    }

    public static string Name(ClientRole role) => role.ToString().ToLowerInvariant();
}

/// <summary>What the console's API answers when it refuses or fails a request.</summary>
internal sealed record ConsoleError(string Error);
