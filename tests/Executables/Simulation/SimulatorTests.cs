using System.Diagnostics;

namespace Concord.Tests.Simulation;

/// <summary>
/// The simulator as a developer runs it, as its own process (planted bugs are process-wide switches, so they never
/// reach another test): a seed replays exactly, every planted bug is caught within a bounded number of seeds, and the
/// seed it fails on passes without the bug, so the failure is the bug's and not the simulator's.
/// </summary>
public sealed class SimulatorTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_same_seed_prints_the_same_result_and_trace_and_another_seed_does_not()
    {
        var first = await RunAsync("--seed", "7", "--trace");
        var again = await RunAsync("--seed", "7", "--trace");
        var other = await RunAsync("--seed", "8");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Output, again.Output);
        Assert.Contains("seed 7: passed;", first.Output, StringComparison.Ordinal);
        Assert.NotEqual(TraceDigest(first.Output), TraceDigest(other.Output));
    }

    [Theory]
    [InlineData("no-dedupe")]
    [InlineData("no-causal-order")]
    [InlineData("no-apology")]
    [InlineData("no-chain-check")]
    [InlineData("no-recovery", "--lossy")]
    public async Task A_planted_bug_is_caught_within_200_seeds_and_its_seed_passes_without_it(string bug, params string[] mode)
    {
        var planted = await RunAsync([.. mode, "--plant", bug, "--seeds", "200"]);

        Assert.Equal(1, planted.ExitCode);
        var failedLine = planted.Output.Split('\n').Single(l => l.Contains(" FAILED after ", StringComparison.Ordinal));
        var seed = failedLine.Split(' ')[1];
        Assert.Contains($"--seed {seed} ", planted.Output, StringComparison.Ordinal);

        var clean = await RunAsync([.. mode, "--seed", seed]);
        Assert.Equal(0, clean.ExitCode);
        Assert.Contains($"seed {seed}: passed;", clean.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_scale_mode_passes_its_checks_and_reports_the_planning_figures()
    {
        var result = await RunAsync("--scale", "--regions", "10", "--entities", "200", "--ops", "300");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("scale: seed 1, 10 regions, 200 accounts, 50 handles, 20 venues, 300 requests", result.Output, StringComparison.Ordinal);
        Assert.Contains("  passed", result.Output, StringComparison.Ordinal);
        foreach (var figure in new[] { "messages per event", "events shipped per event", "bytes per event", "convergence after the heal", "memory per replica" })
        {
            Assert.Contains(figure, result.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--regions", "1")]
    [InlineData("--regions", "17")]
    [InlineData("--plant", "no-such-bug")]
    [InlineData("--seed", "1", "--seeds", "2")]
    public async Task Bad_arguments_are_refused_with_the_usage_and_exit_2(params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage: dotnet run --project sim", result.Error, StringComparison.Ordinal);
    }

    private static string TraceDigest(string output) =>
        output.Split('\n').Single(l => l.StartsWith("seed ", StringComparison.Ordinal)).Split("trace ")[1].Trim();

    /// <summary>
    /// The simulator in its own build output, as <c>dotnet run --project sim</c> runs it: this test project's output
    /// shares the ASP.NET Core framework with the silo and so lacks libraries the simulator carries itself.
    /// </summary>
    private static string SimulatorPath()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (framework, configuration) = (output.Name, output.Parent!.Name);
        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "sim", "bin", configuration, framework, "Concord.Simulation.dll");
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"Concord.Simulation.dll ({configuration}, {framework}) was not found under the repository above {output.FullName}; build the solution first.");
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(SimulatorPath());
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the simulator");
        using var deadline = new CancellationTokenSource(Deadline);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the simulator ({string.Join(' ', args)}) did not finish within {Deadline}");
        }

        return (process.ExitCode, (await output).Replace("\r", string.Empty, StringComparison.Ordinal), await error);
    }
}
