using OpenQA.Selenium.Chrome;

namespace Concord.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, driven by Debian's chromedriver (test.sh installs both when missing). Nothing is
/// downloaded: the driver and the browser are named, so Selenium Manager never runs. The flags keep Chromium off the
/// network this machine does not have.
/// </summary>
public static class HeadlessChromium
{
    private const string Browser = "/usr/bin/chromium";
    private const string Driver = "/usr/bin/chromedriver";

    public static ChromeDriver Start()
    {
        Assert.True(File.Exists(Browser) && File.Exists(Driver), $"{Browser} and {Driver} are needed (apt-get install chromium chromium-driver; test.sh installs them when it runs as root).");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--window-size=1280,1200", $"--user-data-dir={Directory.CreateTempSubdirectory("concord-chromium").FullName}");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}
