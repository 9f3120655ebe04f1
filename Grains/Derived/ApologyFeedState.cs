using Concord.Grains.Interfaces.Derived;

namespace Concord.Grains.Derived;

[GenerateSerializer, Alias("concord.derived.apology-feed-state")]
public sealed class ApologyFeedState
{
    [Id(0)]
    public List<ApologyNotice> Notices { get; set; } = [];
}
