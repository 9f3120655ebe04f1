namespace Concord.Grains.Diagnostics;

/// <summary>
/// Known bugs planted in the replication core behind switches only the simulator and the tests can reach (the type is
/// internal), so that they can prove the simulator catches each one. All are off unless a test turns one on; nothing in
/// a silo ever does.
/// </summary>
internal static class PlantedBugs
{
    /// <summary>A request id is not deduplicated: a retry takes effect again, and the fold applies every copy.</summary>
    public static bool ForgetRequestIds { get; set; }

    /// <summary>Remote events are applied as soon as their own chain allows, without waiting for their other dependencies.</summary>
    public static bool IgnoreCausalDependencies { get; set; }

    /// <summary>Home never appends the apologies the state owes.</summary>
    public static bool SkipApologies { get; set; }

    /// <summary>Remote events are taken without checking their hash or that they continue their chain.</summary>
    public static bool TrustRemoteChains { get; set; }

    /// <summary>A region that restarted without its last commits writes at once, before its peers gave back its lost events: it reuses sequence numbers they hold.</summary>
    public static bool ResumeWritesAfterLoss { get; set; }

    /// <summary>Names the simulator accepts for <c>--plant</c>, each with the switch it turns on.</summary>
    public static IReadOnlyDictionary<string, Action> ByName { get; } = new Dictionary<string, Action>(StringComparer.Ordinal)
    {
        ["no-dedupe"] = () => ForgetRequestIds = true,
        ["no-causal-order"] = () => IgnoreCausalDependencies = true,
        ["no-apology"] = () => SkipApologies = true,
        ["no-chain-check"] = () => TrustRemoteChains = true,
        ["no-recovery"] = () => ResumeWritesAfterLoss = true,
    };

    public static void Reset() => ForgetRequestIds = IgnoreCausalDependencies = SkipApologies = TrustRemoteChains = ResumeWritesAfterLoss = false;
}
