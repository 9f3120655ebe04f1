using System.Globalization;
using Concord.Grains.Interfaces.Errors;

namespace Concord.Grains.Interfaces.Ledger;

/// <summary>
/// Amounts are exact: at most two decimal places, held as <see cref="long"/> minor units (cents).
/// A single amount is at most <see cref="MaxAmount"/>, so that sums of many amounts cannot overflow silently.
/// </summary>
public static class Money
{
    /// <summary>The largest amount one operation may move, in minor units (10,000,000,000,000.00).</summary>
    public const long MaxAmount = 1_000_000_000_000_000;

    /// <summary>Converts a decimal amount to minor units, or throws <see cref="InvalidRequestException"/>.</summary>
    public static long ToMinorUnits(decimal amount, string field = "amount")
    {
        if (amount <= 0)
        {
            throw new InvalidRequestException(field, $"The {field} must be greater than zero, not {amount.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (amount > MaxAmount / 100m)
        {
            throw new InvalidRequestException(field, $"The {field} {amount.ToString(CultureInfo.InvariantCulture)} exceeds the maximum of {Format(MaxAmount)}.");
        }

        var cents = amount * 100m;
        if (cents != decimal.Truncate(cents))
        {
            throw new InvalidRequestException(field, $"The {field} {amount.ToString(CultureInfo.InvariantCulture)} has more than 2 decimal places.");
        }

        return (long)cents;
    }

    /// <summary>Parses user text such as <c>12.50</c> (invariant culture, no exponent, no thousands separators).</summary>
    public static long Parse(string text, string field = "amount")
    {
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount))
        {
            throw new InvalidRequestException(field, $"'{text}' is not a decimal amount such as 12.50.");
        }

        return ToMinorUnits(amount, field);
    }

    public static decimal ToDecimal(long minorUnits) => minorUnits / 100m;

    /// <summary>Formats minor units as a decimal string with exactly two places, such as <c>12.50</c> or <c>-3.00</c>.</summary>
    public static string Format(long minorUnits) => Format(ToDecimal(minorUnits));

    /// <summary>An amount with exactly two decimals, invariant culture (<c>70.00</c>).</summary>
    public static string Format(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}
