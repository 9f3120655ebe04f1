using Concord.Grains.Entities;

namespace Concord.Tests.Entities;

public sealed class UnansweredForwardsTests
{
    [Fact]
    public void A_request_whose_answer_was_lost_goes_back_to_its_decider_until_answered()
    {
        var forwards = new UnansweredForwards();
        Assert.Null(forwards.DeciderOf("r1"));

        forwards.Unanswered("r1", "us");
        forwards.Unanswered("r1", "ap");
        Assert.Equal("us", forwards.DeciderOf("r1"));

        forwards.Answered("r1");
        Assert.Null(forwards.DeciderOf("r1"));
        Assert.Equal(0, forwards.Count);
    }

    [Fact]
    public void The_oldest_are_forgotten_past_the_capacity()
    {
        var forwards = new UnansweredForwards(capacity: 3);
        foreach (var i in Enumerable.Range(1, 5))
        {
            forwards.Unanswered($"r{i}", $"home{i}");
        }

        Assert.Equal(3, forwards.Count);
        Assert.Null(forwards.DeciderOf("r1"));
        Assert.Null(forwards.DeciderOf("r2"));
        Assert.Equal(["home3", "home4", "home5"], new[] { "r3", "r4", "r5" }.Select(forwards.DeciderOf));
    }
}
