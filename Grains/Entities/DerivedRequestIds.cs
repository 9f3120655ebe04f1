using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;

namespace Concord.Grains.Entities;

/// <summary>
/// Request ids a grain derives for commands it issues itself: <c>purpose/basis</c>. Client request ids never hold a
/// '/', so a client can neither take one of these first nor forge one.
/// </summary>
internal static class DerivedRequestIds
{
    public static string Of(string purpose, string basis)
    {
        if (string.IsNullOrEmpty(purpose) || purpose.Length > 32 || !purpose.All(c => char.IsAsciiLetterLower(c) || c == '-') || purpose == "apology")
        {
            throw new InvalidRequestException("purpose", $"A derived request id's purpose is 1-32 characters of a-z and '-', other than 'apology'; '{purpose}' is not.");
        }

        return RequireClientOrDerived($"{purpose}/{basis}");
    }

    /// <summary>A client's request id, or one derived from such ids: segments of the request id alphabet joined by '/'.</summary>
    public static string RequireClientOrDerived(string? requestId) =>
        requestId is { Length: > 0 and <= 2 * EntityKeys.MaxLength } && requestId.Split('/').All(EntityKeys.IsValidRequestId)
            ? requestId
            : EntityKeys.RequireRequestId(requestId);
}
