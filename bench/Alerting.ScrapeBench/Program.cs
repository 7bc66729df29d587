using System.Diagnostics;
using System.Globalization;
using System.Text;
using Alerting.Functions.Tsdb;
using Alerting.LocalHost;
using Alerting.LocalServices;

// Measures one scrape tick of the real function app (local host + Azurite) over many demo-fleet targets,
// some of which never answer. Usage: dotnet run -c Release --project bench/Alerting.ScrapeBench -- [targets] [hanging] [concurrency]
// Other modes: "parse [MB] [runs]" (parser throughput, ParseBench.cs) and
// "prometheus [targets] [rounds]" (our tick next to real Prometheus over the same targets, PrometheusBench.cs),
// "processes [targets] [ticks] [1,2,3] [series] [interval s]" (the same with each instance its own process, ProcessScrapeBench.cs) and
// "fanout-check [hosts] [targets] [groups]" (issue 22's exactly-once check over host processes with a kill, FanOutCheck.cs).
if (args.Length > 0 && args[0] == "serve-fleet")
{
    // Child process of the "prometheus" mode: serves the fleet until killed, so neither scraper's CPU
    // figure includes the cost of answering the scrapes.
    await using var served = await Alerting.ScrapeBench.BenchFleet.StartAsync(int.Parse(args[1], CultureInfo.InvariantCulture), hanging: 0,
        seriesPerTarget: args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 0);
    await File.WriteAllLinesAsync(args[2] + ".tmp", served.Ports.Select(p => p.ToString(CultureInfo.InvariantCulture)));
    File.Move(args[2] + ".tmp", args[2]);
    await Task.Delay(Timeout.Infinite);
    return;
}
if (args.Length > 0 && args[0] == "parse")
{
    Alerting.ScrapeBench.ParseBench.Run(args[1..]);
    return;
}
var mode = args.Length > 0 && !char.IsAsciiDigit(args[0][0]) ? args[0] : null;
var targets = args.Length > 0 && mode is null ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var hanging = args.Length > 1 && mode is null ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var concurrency = args.Length > 2 ? args[2] : "64";
var root = RepoPaths.Root;
await using var azurite = await Azurite.StartAsync();
var connection = azurite.ConnectionString;
var work = Directory.CreateTempSubdirectory("scrape-bench-").FullName;
if (mode == "fanout-check")
{
    Environment.ExitCode = await Alerting.ScrapeBench.FanOutCheck.RunAsync(args[1..], connection, work);
    return;
}
if (mode == "processes")
{
    await Alerting.ScrapeBench.ProcessScrapeBench.RunAsync(args[1..], connection, work);
    return;
}
if (mode == "prometheus")
{
    await Alerting.ScrapeBench.PrometheusBench.RunAsync(args[1..], connection, work);
    return;
}
{
    await using var fleet = await Alerting.ScrapeBench.BenchFleet.StartAsync(targets, hanging);
    var ports = fleet.Ports;
    var machines = fleet.Machines;

    var yaml = new StringBuilder("global:\n  scrape_interval: 30s\n  scrape_timeout: 2s\nscrape_configs:\n  - job_name: fleet\n    static_configs:\n");
    for (var i = 0; i < ports.Length; i++)
    {
        yaml.Append(CultureInfo.InvariantCulture, $"      - targets: ['127.0.0.1:{ports[i]}']\n        labels: {{machine: '{(i < targets ? machines[i].Name : "hung-" + i)}'}}\n");
    }
    var scrapeYml = Path.Combine(work, "scrape.yml");
    await File.WriteAllTextAsync(scrapeYml, yaml.ToString());

    await using var host = await LocalFunctionHost.StartAsync(
        new LocalHostOptions { Urls = "http://127.0.0.1:0", HostJsonPath = Path.Combine(root, "host.json"), EnableTimers = false, EnableQueuePumps = false },
        new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connection,
            ["ScrapeSchedule"] = "*/30 * * * * *",
            ["EvaluateSchedule"] = "*/30 * * * * *",
            ["Alerting:ScrapeConfigPath"] = scrapeYml,
            ["Alerting:ScrapeConcurrency"] = concurrency,
            ["Logging:LogLevel:Default"] = "Warning",
        });

    Console.WriteLine($"{targets} targets + {hanging} hanging (2s timeout), concurrency {concurrency}, {Environment.ProcessorCount} cores");
    for (var tick = 1; tick <= 4; tick++)
    {
        var sw = Stopwatch.StartNew();
        await host.InvokeTimerAsync("Scrape");
        await host.DrainQueuesAsync();
        var elapsed = sw.Elapsed;
        var stored = await host.Services.GetRequiredService<ScrapeTickStore>().ReadSinceAsync(0, CancellationToken.None);
        var last = stored[^1];
        var up = last.Targets.Count(t => t.Samples.Any(s => s.Labels.Name == "up" && s.Value == 1));
        Console.WriteLine($"tick {tick}: {elapsed.TotalSeconds:0.00}s (scrape, encode and store); {up} of {last.Targets.Count} targets up, {last.Targets.Sum(t => t.Samples.Count)} samples");
    }
}
