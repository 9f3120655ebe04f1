using System.Reflection;
using System.Runtime.CompilerServices;
using PublicApiGenerator;

namespace Concord.Tests.PublicApi;

/// <summary>
/// Every change to the public surface of Concord's libraries shows up in review: each assembly's public API is
/// compared with the text checked in beside this file. To accept a change on purpose, run the tests with
/// CONCORD_ACCEPT_API=1 and commit the rewritten file.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies => new()
    {
        "Concord.Grains.Interfaces",
        "Concord.Grains",
        "Concord.TestKit",
        "Concord.Storage.Postgres",
        "Concord.Client.Sdk",
    };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_public_api_is_the_one_checked_in(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var api = assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false, DenyNamespacePrefixes = ["OrleansCodeGen"] }).ReplaceLineEndings("\n");
        var approved = Path.Combine(Folder(), $"{assemblyName}.txt");
        if (Environment.GetEnvironmentVariable("CONCORD_ACCEPT_API") is "1" or "true")
        {
            File.WriteAllText(approved, api);
        }

        Assert.True(File.Exists(approved), $"{approved} is missing: run the tests with CONCORD_ACCEPT_API=1 to write it, then review and commit it.");
        var expected = File.ReadAllText(approved).ReplaceLineEndings("\n");
        if (!string.Equals(expected, api, StringComparison.Ordinal))
        {
            var expectedLines = expected.Split('\n');
            var actualLines = api.Split('\n');
            var first = Enumerable.Range(0, Math.Max(expectedLines.Length, actualLines.Length))
                .First(i => i >= expectedLines.Length || i >= actualLines.Length || expectedLines[i] != actualLines[i]);
            Assert.Fail(
                $"The public API of {assemblyName} changed (first difference at line {first + 1}):\n" +
                $"  checked in: {(first < expectedLines.Length ? expectedLines[first] : "(end)")}\n" +
                $"  now:        {(first < actualLines.Length ? actualLines[first] : "(end)")}\n" +
                "If the change is meant, run the tests with CONCORD_ACCEPT_API=1 and commit tests/PublicApi.");
        }
    }

    private static string Folder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
