using System.Buffers;
using Concord.Grains.Interfaces.Errors;

namespace Concord.Grains.Interfaces.Events;

/// <summary>
/// The rules for entity keys and request ids: 1 to <see cref="MaxLength"/> characters from
/// <c>A-Z a-z 0-9 . _ -</c> (and <c>:</c> in request ids). The alphabet keeps keys safe in URLs, logs,
/// file names and SQL, and keeps <c>/</c> free for ids the system derives.
/// </summary>
public static class EntityKeys
{
    public const int MaxLength = 128;

    private static readonly SearchValues<char> KeyAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    private static readonly SearchValues<char> RequestIdAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:");

    public static bool IsValidKey(string? key) => IsValid(key, KeyAlphabet);

    public static bool IsValidRequestId(string? requestId) => IsValid(requestId, RequestIdAlphabet);

    /// <summary>Throws <see cref="InvalidRequestException"/> naming <paramref name="field"/> unless <paramref name="key"/> is valid.</summary>
    public static string RequireKey(string? key, string field) =>
        IsValidKey(key)
            ? key!
            : throw new InvalidRequestException(field, Describe(key, field, "A-Z a-z 0-9 . _ -"));

    public static string RequireRequestId(string? requestId) =>
        IsValidRequestId(requestId)
            ? requestId!
            : throw new InvalidRequestException("requestId", Describe(requestId, "request id", "A-Z a-z 0-9 . _ - :"));

    private static bool IsValid(string? value, SearchValues<char> alphabet) =>
        !string.IsNullOrEmpty(value) && value.Length <= MaxLength && !value.AsSpan().ContainsAnyExcept(alphabet);

    private static string Describe(string? value, string field, string alphabet) => value switch
    {
        null or "" => $"The {field} is empty.",
        { Length: > MaxLength } => $"The {field} is {value.Length} characters long; the limit is {MaxLength}.",
        _ => $"The {field} '{value}' contains a character outside {alphabet}.",
    };
}
