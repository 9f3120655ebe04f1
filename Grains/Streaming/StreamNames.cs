namespace Concord.Grains.Streaming;

/// <summary>Names of the region's stream provider and namespaces. Consumers subscribe implicitly by namespace.</summary>
public static class StreamNames
{
    public const string Provider = "concord";

    /// <summary>What every entity type's log stream namespace starts with.</summary>
    public const string EntityLogPrefix = "concord.entity.";

    /// <summary>Every account's log, keyed by account id: the entity log of the type <c>account</c>.</summary>
    public const string AccountLog = EntityLogPrefix + Ledger.AccountType.TypeName;

    /// <summary>The logs of every entity of one registered type, keyed by entity id (<c>type/key</c>).</summary>
    public static string EntityLog(string typeName) => EntityLogPrefix + typeName;
}
