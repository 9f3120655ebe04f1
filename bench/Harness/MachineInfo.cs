using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Concord.Bench.Harness;

/// <summary>What the figures were measured on.</summary>
public sealed record MachineInfo(string Os, string Cpu, int Cores, string Runtime, string Gc, string Orleans, DateTimeOffset StartedAt)
{
    public static MachineInfo Current() => new(
        RuntimeInformation.OSDescription,
        CpuModel(),
        Environment.ProcessorCount,
        RuntimeInformation.FrameworkDescription,
        GCSettings.IsServerGC ? "server" : "workstation",
        (typeof(IGrain).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+', ' ')[0].TrimEnd('.'),
        DateTimeOffset.UtcNow);

    public override string ToString() => $"{Cpu}, {Cores} cores, {Os}, {Runtime}, {Gc} GC, Orleans {Orleans}";

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
