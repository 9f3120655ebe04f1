using System.Collections.Concurrent;
using System.Diagnostics;

namespace Concord.Tests.Infrastructure;

/// <summary>
/// A silo as operators run it: a separate <c>Concord.Silo</c> process. Its output is collected line by line so a test
/// can wait for a line with a deadline; <see cref="KillAsync"/> is SIGKILL, the crash a power cut or OOM killer causes.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _newLine = new(0);

    private SiloProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data is null ? null : $"stderr: {e.Data}");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; private init; } = string.Empty;

    public bool HasExited => _process.HasExited;

    public IReadOnlyCollection<string> Output => _lines;

    public static SiloProcess Start(string name, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = StartInfo(args);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start silo {name}");
        return new SiloProcess(process) { Name = name };
    }

    /// <summary>How the tests start the silo: the built <c>Concord.Silo.dll</c> with its output redirected.</summary>
    public static ProcessStartInfo StartInfo(IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Concord.Silo.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>Waits for an output line that satisfies <paramref name="wanted"/>, seen before or after this call.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> wanted, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_lines.FirstOrDefault(wanted) is { } line)
            {
                return line;
            }

            var left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero || (_process.HasExited && !await _newLine.WaitAsync(TimeSpan.FromMilliseconds(200))))
            {
                throw new TimeoutException($"silo {Name}: no such line within {timeout.TotalSeconds:0} s (exited: {_process.HasExited}). Output:\n{string.Join('\n', _lines)}");
            }

            await _newLine.WaitAsync(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Waits for the silo's ready line.</summary>
    public Task WaitReadyAsync() => WaitForLineAsync(l => l.Contains(" ready: gateway ", StringComparison.Ordinal), TimeSpan.FromSeconds(90));

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(exit.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
            _newLine.Release();
        }
    }
}
