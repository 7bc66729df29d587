using System.Globalization;
using System.Text.Json.Nodes;
using Alerting.LocalServices;

namespace Alerting.ScrapeBench;

/// <summary>
/// Local hosts as separate processes (<c>dotnet Alerting.LocalHost.dll</c>) on one Azurite, as instances of one
/// function app: each has its own CPU figure and can be killed with SIGKILL.
/// </summary>
public sealed record HostProcess(ExternalProcess Process, int Port)
{
    /// <summary>Writes <c>local.settings.json</c> with <paramref name="values"/> (plus storage) into <paramref name="dir"/>.</summary>
    public static async Task<string> WriteSettingsAsync(string dir, string storage, IReadOnlyDictionary<string, string> values)
    {
        var json = new JsonObject { ["AzureWebJobsStorage"] = storage };
        foreach (var (k, v) in values)
        {
            json[k] = v;
        }
        var path = Path.Combine(dir, "local.settings.json");
        await File.WriteAllTextAsync(path, new JsonObject { ["Values"] = json }.ToJsonString());
        return path;
    }

    /// <summary>Starts a host and waits (bounded) until it answers <c>/api/health</c>.</summary>
    public static async Task<HostProcess> StartAsync(string settings, int queueLeaseSeconds)
    {
        // The local host of the configuration this assembly was built in (the tests run Release or Debug).
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(RepoPaths.Root, "src", "Alerting.LocalHost", "bin", configuration, "net10.0", "Alerting.LocalHost.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"build the solution ({configuration}) first: {dll} is missing");
        }
        var port = ExternalProcess.FreePort();
        var process = ExternalProcess.Start("dotnet", dll, "--urls", $"http://127.0.0.1:{port}", "--settings", settings,
            "--host-json", Path.Combine(RepoPaths.Root, "host.json"), "--queue-lease", queueLeaseSeconds.ToString(CultureInfo.InvariantCulture));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("the host exited at start: " + process.Output);
            }
            try
            {
                using var r = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/api/health"));
                if (r.IsSuccessStatusCode)
                {
                    return new HostProcess(process, port);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        await process.DisposeAsync();
        throw new TimeoutException("the host did not answer /api/health within 90 s: " + process.Output);
    }

    /// <summary>User plus system CPU seconds of the process so far, from <c>/proc/&lt;pid&gt;/stat</c> (fields 14 and 15, in clock ticks).</summary>
    public double CpuSeconds() => CpuSeconds(Process.Id);

    /// <remarks>NaN once the process is gone (a killed host).</remarks>
    public static double CpuSeconds(int pid)
    {
        var path = $"/proc/{pid}/stat";
        if (!File.Exists(path))
        {
            return double.NaN;
        }
        var stat = File.ReadAllText(path);
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis are space-separated.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12]; Linux' USER_HZ is 100.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>The 1, 5 and 15 minute load averages as <c>/proc/loadavg</c> gives them.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>Lines of the host's output that are warnings or errors, and those naming a pop receipt mismatch.</summary>
    public (int Warnings, int PopReceiptMismatches) LogCounts()
    {
        var lines = Process.Output.Split('\n');
        return (lines.Count(l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal)),
            lines.Count(l => l.Contains("PopReceiptMismatch", StringComparison.Ordinal)));
    }
}
