using System.Text.RegularExpressions;
using Concord.Client.Sdk;
using Concord.Tests.Infrastructure;
using Concord.Grains.Interfaces.Replication;
using OpenQA.Selenium;

namespace Concord.Tests.WebConsole;

/// <summary>
/// The web console in a real browser (Debian's headless Chromium through chromedriver) against the silo started as a
/// new user starts it, with no arguments: the page shows three regions, a link cut from its button stays cut while
/// eu's writes pile up as lag, and healing it from the page drains the lag and brings the writes to us.
/// </summary>
[Collection(LocalDefaultCollection.Name)]
public sealed class ConsoleBrowserTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_new_user_cuts_a_link_from_the_page_watches_the_lag_grow_and_heals_it()
    {
        var (silo, ready) = await LocalDefaultSilo.StartAsync();
        await using var _ = silo;
        var url = Regex.Match(ready["eu"], @"console (http://\S+/console)").Groups[1].Value;
        Assert.Equal("http://127.0.0.1:8080/console", url);

        using var browser = HeadlessChromium.Start();
        browser.Navigate().GoToUrl(url);
        await Eventually.HoldsAsync(
            () => Task.FromResult(Texts(browser, "#deployment thead th").SequenceEqual(["from \\ to", "ap", "eu (this region)", "us"])
                && Texts(browser, "#deployment tbody td").Length == 9
                && !Texts(browser, "#deployment tbody td").Contains("unreachable")),
            "the page shows the three regions, each reporting its links", Deadline);

        Button(browser, "us").Click();
        await Eventually.HoldsAsync(() => Task.FromResult(Cell(browser, "us", ".link-state") == "cut"), "the page shows eu → us cut", Deadline);

        await using var eu = await ConcordClient.ConnectAsync(new ConcordClientOptions { Region = "eu", Gateways = { ConcordClientOptions.ParseGateway("127.0.0.1:30000") } });
        for (var i = 1; i <= 5; i++)
        {
            await eu.DepositAsync("console-carol", 10m, requestId: $"console-{i}");
        }

        // Only these five deposits were written, so exactly five wait for us; ap has them all. Cut off from eu, us
        // cannot report its own links to eu's console.
        await Eventually.HoldsAsync(
            () => Task.FromResult((Cell(browser, "us", "td:nth-child(3)"), Cell(browser, "ap", "td:nth-child(3)")) == ("5", "0")
                && (Link(browser, "eu", "us"), Link(browser, "eu", "ap"), Link(browser, "us", "eu")) == ("cut · 5", "up · 0", "unreachable")),
            "the page shows five events of lag towards us, none towards ap, and us unreachable", Deadline);

        browser.FindElement(By.Id("lookup")).SendKeys("console-carol");
        browser.FindElement(By.CssSelector("#lookup-form button")).Click();
        await Eventually.HoldsAsync(
            () => Task.FromResult(Texts(browser, "#entity .chain h3").SequenceEqual(["origin eu: 5 event(s), chain linked"])),
            "the lookup shows eu's chain of five events, linked", Deadline);
        browser.FindElement(By.Id("run-audit")).Click();
        await Eventually.HoldsAsync(
            () => Task.FromResult(browser.FindElement(By.Id("audit-summary")).Text.StartsWith("clean: 1 entities, 5 events", StringComparison.Ordinal)),
            "the audit run from the page is clean", Deadline);
        if (Environment.GetEnvironmentVariable("CONCORD_CONSOLE_SCREENSHOT") is { Length: > 0 } screenshot)
        {
            ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(screenshot);
        }

        Button(browser, "us").Click();
        await Eventually.HoldsAsync(
            () => Task.FromResult((Cell(browser, "us", ".link-state"), Cell(browser, "us", "td:nth-child(3)")) == ("up", "0")
                && Link(browser, "eu", "us") == "up · 0" && Link(browser, "us", "eu") is { } back && back != "unreachable"),
            "after heal the page shows eu → us up with its lag drained, and us reporting again", Deadline);
        await using var us = await ConcordClient.ConnectAsync(new ConcordClientOptions { Region = "us", Gateways = { ConcordClientOptions.ParseGateway("127.0.0.1:30001") } });
        Assert.Equal(50.00m, (await us.GetBalanceAsync("console-carol")).Balance);
    }

    [Fact]
    public async Task An_overdraft_made_while_cut_off_shows_as_one_apology_that_opens_its_log()
    {
        var (silo, ready) = await LocalDefaultSilo.StartAsync();
        await using var _ = silo;
        await using var eu = await ConcordClient.ConnectAsync(new ConcordClientOptions { Region = "eu", Gateways = { ConcordClientOptions.ParseGateway("127.0.0.1:30000") } });
        await using var us = await ConcordClient.ConnectAsync(new ConcordClientOptions { Region = "us", Gateways = { ConcordClientOptions.ParseGateway("127.0.0.1:30001") } });
        await eu.DepositAsync("console-dave", 10m, requestId: "dave-funds");
        await Eventually.HoldsAsync(async () => (await us.GetBalanceAsync("console-dave")).Balance == 10m, "us has dave's deposit", Deadline);

        // Cut eu and us apart both ways; each spends dave's 10 optimistically, so together they overdraw him by 10.
        await eu.SetLinkFaultAsync("us", new LinkFault(Cut: true));
        await us.SetLinkFaultAsync("eu", new LinkFault(Cut: true));
        await eu.TransferAsync("console-dave", "console-erin", 10m, requestId: "dave-eu");
        await us.TransferAsync("console-dave", "console-frank", 10m, requestId: "dave-us");
        await eu.SetLinkFaultAsync("us", LinkFault.None);
        await us.SetLinkFaultAsync("eu", LinkFault.None);

        using var browser = HeadlessChromium.Start();
        browser.Navigate().GoToUrl(Regex.Match(ready["eu"], @"console (http://\S+/console)").Groups[1].Value);
        await Eventually.HoldsAsync(
            () => Task.FromResult(Rows(browser, "#apologies tbody tr").SequenceEqual([("console-dave", "ledger.overdraft-apology")])),
            "eu's console shows exactly one overdraft apology, owed to dave", Deadline);

        browser.FindElement(By.CssSelector("#apologies tbody a")).Click();
        await Eventually.HoldsAsync(
            () => Task.FromResult(Texts(browser, "#entity .chain h3").SequenceEqual(["origin eu: 3 event(s), chain linked", "origin us: 1 event(s), chain linked"])),
            "the apology's link shows dave's log: eu's deposit, transfer and apology, and us's transfer, in two linked chains", Deadline);

        // The apology (eu's third event, dave's home being eu) names both debits that overdrew him.
        var apology = browser.FindElements(By.CssSelector("#entity .chain[data-origin='eu'] tr")).Last().Text;
        Assert.Contains("console-dave@eu#2", apology);
        Assert.Contains("console-dave@us#1", apology);
    }

    private static (string Subject, string Kind)[] Rows(IWebDriver browser, string selector)
    {
        try
        {
            return [.. browser.FindElements(By.CssSelector(selector)).Select(r => r.FindElements(By.TagName("td")).Select(td => td.Text).ToArray())
                .Where(cells => cells.Length == 4).Select(cells => (cells[1], cells[2]))];
        }
        catch (StaleElementReferenceException)
        {
            return [];
        }
    }

    private static IWebElement Button(IWebDriver browser, string peer) => browser.FindElement(By.CssSelector($"#links tr[data-peer='{peer}'] button"));

    private static string? Cell(IWebDriver browser, string peer, string selector)
    {
        try
        {
            return browser.FindElement(By.CssSelector($"#links tr[data-peer='{peer}'] {selector}")).Text;
        }
        catch (Exception ex) when (ex is NoSuchElementException or StaleElementReferenceException)
        {
            // The page re-renders its tables every second; the next poll of the test finds the new row.
            return null;
        }
    }

    /// <summary>The deployment table's cell for the link <paramref name="from"/> → <paramref name="to"/>, as <paramref name="from"/> reports it.</summary>
    private static string? Link(IWebDriver browser, string from, string to)
    {
        try
        {
            return browser.FindElement(By.CssSelector($"#deployment tr[data-from='{from}'] td[data-to='{to}']")).Text;
        }
        catch (Exception ex) when (ex is NoSuchElementException or StaleElementReferenceException)
        {
            return null;
        }
    }

    private static string[] Texts(IWebDriver browser, string selector)
    {
        try
        {
            return [.. browser.FindElements(By.CssSelector(selector)).Select(e => e.Text)];
        }
        catch (StaleElementReferenceException)
        {
            return [];
        }
    }
}
