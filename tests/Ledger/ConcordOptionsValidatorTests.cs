using Concord.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Concord.Tests.Ledger;

public sealed class ConcordOptionsValidatorTests
{
    public static TheoryData<string, Action<ConcordOptions>> BadOptions => new()
    {
        { "not a valid region id", o => o.Region = "e u" },
        { "twice", o => o.Regions = ["eu", "us", "eu"] },
        { "is not in Regions", o => o.Regions = ["us", "ap"] },
        { "SnapshotInterval", o => o.SnapshotInterval = 0 },
        { "MaxGroupCommitEvents", o => o.MaxGroupCommitEvents = 0 },
        { "DerivedRepairDelay", o => o.DerivedRepairDelay = TimeSpan.Zero },
        { "ReplicationLinger must be zero or positive", o => o.ReplicationLinger = TimeSpan.FromMilliseconds(-1) },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_stop_the_silo_with_a_clear_message(string expected, Action<ConcordOptions> configure)
    {
        var options = new ConcordOptions();
        configure(options);

        var error = Assert.Throws<OrleansConfigurationException>(() => new ConcordOptionsValidator(Options.Create(options)).ValidateConfiguration());

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void The_defaults_and_a_three_region_list_are_valid()
    {
        new ConcordOptionsValidator(Options.Create(new ConcordOptions())).ValidateConfiguration();
        new ConcordOptionsValidator(Options.Create(new ConcordOptions { Region = "us", Regions = ["eu", "us", "ap"] })).ValidateConfiguration();

        // No linger ships as soon as a replicator is woken: the default, and valid when set.
        Assert.Equal(TimeSpan.Zero, new ConcordOptions().ReplicationLinger);
        new ConcordOptionsValidator(Options.Create(new ConcordOptions { ReplicationLinger = TimeSpan.FromMilliseconds(5) })).ValidateConfiguration();
    }
}
