namespace Concord.Grains.Interfaces.Events;

/// <summary>How a client presents its credential: an Orleans request-context entry set on every call.</summary>
public static class ClientCredentials
{
    public const string RequestContextKey = "concord.credential";

    /// <summary>Shortest credential a region accepts.</summary>
    public const int MinLength = 16;
}
