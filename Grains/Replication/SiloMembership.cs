namespace Concord.Grains.Replication;

internal static class SiloMembership
{
    /// <summary>
    /// Whether the region runs on one active silo: then every append of its own events happens in this silo, where
    /// <see cref="LocalFeedSignal"/> sees it, and a reader of the feed that saw no signal knows the feed has not grown.
    /// </summary>
    public static bool IsOnlyActiveSilo(this IClusterMembershipService membership)
    {
        var active = 0;
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active && ++active > 1)
            {
                return false;
            }
        }

        return active == 1;
    }
}
