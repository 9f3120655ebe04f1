namespace Concord.Grains.Streaming;

/// <summary>Names of the region's stream provider and namespaces. Consumers subscribe implicitly by namespace.</summary>
public static class StreamNames
{
    public const string Provider = "concord";

    /// <summary>Every account's log, keyed by account id.</summary>
    public const string AccountLog = "concord.account-log";
}
