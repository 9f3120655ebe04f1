using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Tests.Ledger;

public sealed class MoneyTests
{
    [Fact]
    public void Ledger_events_print_their_amounts_as_money_not_minor_units()
    {
        var debit = new EventId("alice", "eu", 2);

        Assert.Equal("Deposited { Amount = 100.00 }", new Deposited(10_000).ToString());
        Assert.Equal("PaidOut { Amount = 0.05 }", new PaidOut(5).ToString());
        Assert.Equal("Debited { Amount = 30.00, To = bob, Mode = Strict }", new Debited(3_000, "bob", ConsistencyMode.Strict).ToString());
        Assert.Equal("Credited { Amount = 30.00, DebitId = alice@eu#2 }", new Credited(3_000, debit).ToString());
        Assert.Equal("OverdraftApology { Deficit = 12.34, Causes = [alice@eu#2, alice@us#1] }", new OverdraftApology(1_234, [debit, new EventId("alice", "us", 1)]).ToString());
        Assert.Equal("HoldPlaced { Amount = 25.00, To = shop, ExpiresAt = 2026-12-03T08:00:00.000Z }", new HoldPlaced(2_500, "shop", DateTimeOffset.Parse("2026-12-03T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()).ToString());
        Assert.Equal("HoldCaptured { HoldId = order-311, Amount = 18.40, To = shop }", new HoldCaptured("order-311", 1_840, "shop").ToString());
    }

    [Theory]
    [InlineData("12.50", 1250)]
    [InlineData("0.01", 1)]
    [InlineData("7", 700)]
    [InlineData("10000000000000.00", Money.MaxAmount)]
    public void Valid_amounts_become_exact_minor_units(string text, long expected) =>
        Assert.Equal(expected, Money.Parse(text));

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.001")]
    [InlineData("10000000000000.01")]
    [InlineData("1e3")]
    [InlineData("12,50")]
    [InlineData("abc")]
    [InlineData("79228162514264337593543950335")]
    public void Invalid_amounts_are_refused_with_a_typed_error(string text)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Money.Parse(text));
        Assert.Equal("amount", error.Field);
    }

    [Theory]
    [InlineData(1250, "12.50")]
    [InlineData(-300, "-3.00")]
    [InlineData(0, "0.00")]
    public void Formatting_always_shows_two_places(long minor, string expected) =>
        Assert.Equal(expected, Money.Format(minor));

    [Theory]
    [InlineData("acc-42")]
    [InlineData("A.b_c-9")]
    public void Keys_in_the_alphabet_are_valid(string key) => Assert.True(EntityKeys.IsValidKey(key));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("ünïcode")]
    public void Keys_outside_the_alphabet_are_invalid(string? key)
    {
        Assert.False(EntityKeys.IsValidKey(key));
        Assert.Throws<InvalidRequestException>(() => EntityKeys.RequireKey(key, "account"));
    }

    [Fact]
    public void Keys_longer_than_the_limit_are_invalid()
    {
        Assert.True(EntityKeys.IsValidKey(new string('a', EntityKeys.MaxLength)));
        Assert.False(EntityKeys.IsValidKey(new string('a', EntityKeys.MaxLength + 1)));
    }
}
