namespace Concord.Grains.Streaming;

/// <summary>Names of the region's stream provider and namespaces. Consumers subscribe implicitly by namespace.</summary>
public static class StreamNames
{
    public const string Provider = "concord";

    /// <summary>Every account's log, keyed by account id.</summary>
    public const string AccountLog = "concord.account-log";

    /// <summary>The logs of every entity of one registered type, keyed by entity id (<c>type/key</c>).</summary>
    public static string EntityLog(string typeName) => $"concord.entity.{typeName}";
}
