using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Events;

namespace Concord.TestKit;

/// <summary>How <see cref="ConcordTestRegions"/> builds its regions. Validated when the regions are created.</summary>
public sealed class ConcordTestRegionsOptions
{
    /// <summary>The regions' names. Default <c>ap</c>, <c>eu</c>, <c>us</c>.</summary>
    public IList<string> Regions { get; set; } = ["ap", "eu", "us"];

    /// <summary>The Orleans service id every region's cluster shares; each cluster id is the region's, <c>concord-region</c>. Default <c>concord-test</c>.</summary>
    public string ServiceId { get; set; } = "concord-test";

    /// <summary>Adds to every region's silo, given the region's name: your entity types, views and audit plug-ins. Default none.</summary>
    public Action<string, ISiloBuilder>? ConfigureSilo { get; set; }

    /// <summary>Changes Concord's options of a region after the kit's test defaults (short intervals and timeouts). Default none.</summary>
    public Action<string, ConcordOptions>? ConfigureConcord { get; set; }

    /// <summary>
    /// Gives every region in-memory grain storage, transaction storage and reminders. Default true. Turn it off to
    /// bring your own in <see cref="ConfigureSilo"/> (a database, say); the event log is then yours to choose too.
    /// </summary>
    public bool InMemoryStorage { get; set; } = true;

    /// <summary>Gives every region a fresh checkpoint signing key, trusted by the others. Default true.</summary>
    public bool SignCheckpoints { get; set; } = true;

    /// <summary>The secret that authenticates replication batches between the regions. Default a fixed test secret.</summary>
    public string ReplicationSecret { get; set; } = "concord-test-kit-replication-secret-0123456789";

    /// <summary>The deadline of the kit's waits (convergence) when a call gives none. Default 30 seconds.</summary>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        var problems = new List<string>();
        if (Regions is not { Count: > 0 })
        {
            problems.Add("Regions is empty");
        }
        else
        {
            problems.AddRange(Regions.Where(r => !EntityKeys.IsValidKey(r)).Select(r => $"region '{r}' is not 1-128 characters of A-Z a-z 0-9 . _ -"));
            problems.AddRange(Regions.GroupBy(r => r, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"region '{g.Key}' is listed twice"));
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            problems.Add("ServiceId is empty");
        }

        if (string.IsNullOrEmpty(ReplicationSecret) || ReplicationSecret.Length < 32)
        {
            problems.Add("ReplicationSecret has fewer than 32 characters");
        }

        if (WaitTimeout <= TimeSpan.Zero)
        {
            problems.Add($"WaitTimeout {WaitTimeout} is not positive");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Concord test regions: {string.Join("; ", problems)}.");
        }
    }
}
