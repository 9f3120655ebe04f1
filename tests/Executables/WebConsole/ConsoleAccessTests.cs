using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.WebConsole;

/// <summary>
/// The console's API against a silo process that requires client credentials: the same credentials and roles as its
/// gateway, a change needs the console's header, and a refused change leaves the link as it was.
/// </summary>
public sealed class ConsoleAccessTests
{
    private const string Reader = "reader-console-secret-0001";
    private const string Operator = "operator-console-secret-01";

    [Fact]
    public async Task Each_role_sees_and_changes_what_it_may_and_a_refusal_changes_nothing()
    {
        var ports = FreePorts.Take(4);
        await using var silo = SiloProcess.Start("eu", [
            "--region", "eu", "--gateway-port", ports[0].ToString(), "--silo-port", ports[1].ToString(), "--dashboard-port", ports[2].ToString(),
            "--peer", $"us=127.0.0.1:{ports[3]}", "--fault-injection", "--client-credential", $"reader:{Reader}", "--client-credential", $"operator:{Operator}"]);
        var ready = await silo.WaitForLineAsync(l => l.StartsWith("region eu ready:", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
        Assert.Contains($"console http://127.0.0.1:{ports[2]}/console", ready);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[2]}"), Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/console")).StatusCode);
        Assert.Equal((HttpStatusCode.Unauthorized, "this region needs a client credential: enter one in the console"), await SendAsync(http, HttpMethod.Get, "state", null));
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, "state", "not-a-credential-of-this-region")).Status);
        Assert.Equal(("reader", "none"), await RoleAndFaultAsync(http, Reader));

        Assert.Equal(
            (HttpStatusCode.Forbidden, "a reader credential cannot do this: it needs the operator role"),
            await SendAsync(http, HttpMethod.Post, "links/us/cut", Reader));
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, "audit", Reader)).Status);
        Assert.Equal(
            (HttpStatusCode.BadRequest, "changes need the X-Concord-Console header (the console page sends it)"),
            await SendAsync(http, HttpMethod.Post, "links/us/cut", Operator, consoleHeader: false));
        Assert.Equal(("reader", "none"), await RoleAndFaultAsync(http, Reader));

        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(http, HttpMethod.Post, "links/mars/cut", Operator)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Post, "links/us/cut", Operator)).Status);
        Assert.Equal(("operator", "cut"), await RoleAndFaultAsync(http, Operator));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, HttpMethod.Get, "entities/acc-never-written", Reader)).Status);
    }

    private static async Task<(string Role, string Fault)> RoleAndFaultAsync(HttpClient http, string credential)
    {
        using var request = Request(HttpMethod.Get, "state", credential, consoleHeader: false);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var state = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var us = state.RootElement.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("peer").GetString() == "us");
        return (state.RootElement.GetProperty("role").GetString()!, us.GetProperty("fault").GetString()!);
    }

    private static async Task<(HttpStatusCode Status, string? Error)> SendAsync(HttpClient http, HttpMethod method, string path, string? credential, bool consoleHeader = true)
    {
        using var request = Request(method, path, credential, consoleHeader);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        return (response.StatusCode, json.RootElement.TryGetProperty("error", out var error) ? error.GetString() : null);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? credential, bool consoleHeader)
    {
        var request = new HttpRequestMessage(method, $"/console/api/{path}");
        if (credential is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        }

        if (consoleHeader && method != HttpMethod.Get)
        {
            request.Headers.Add("X-Concord-Console", "1");
        }

        return request;
    }
}
