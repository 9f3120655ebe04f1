using Concord.Bench.Harness;

namespace Concord.Bench.Scenarios;

/// <summary>
/// The set-up the lag scenarios share: accounts funded in eu, a probe of eu's saturating deposit rate, the regions
/// converged again, and the seeded sequence of accounts the load picks from. The load itself is each scenario's.
/// </summary>
public sealed record HalfSaturation(IClusterClient Eu, string[] Accounts, double Saturating, string[] Picks)
{
    /// <summary>Half the saturating rate: the load the scenarios measure under.</summary>
    public double Rate => Saturating / 2;

    public static async Task<HalfSaturation> PrepareAsync(BenchContext context, string scenario, Deployment deployment, string prefix, CancellationToken cancellationToken, IEnumerable<string>? alsoFund = null)
    {
        var eu = deployment.Client("eu");
        var accounts = AccountNames.Any(prefix, context.Pick(30, 1000));
        await Ledger.FundAsync(eu, alsoFund is null ? accounts : accounts.Concat(alsoFund), 1m, "warm", cancellationToken);
        var saturating = await SaturationProbe.MeasureAsync(context, scenario, eu, accounts, cancellationToken);
        await Deadline.UntilAsync(deployment.DigestsEqualAsync, TimeSpan.FromSeconds(30), "the regions to converge after the probe", cancellationToken);
        var random = context.RandomFor($"{scenario}/load");
        var picks = Enumerable.Range(0, 1 << 16).Select(_ => accounts[random.Next(accounts.Length)]).ToArray();
        return new HalfSaturation(eu, accounts, saturating, picks);
    }
}
