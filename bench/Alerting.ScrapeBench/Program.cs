using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Alerting.DemoFleet;
using Alerting.Functions.Storage;
using Alerting.LocalHost;
using Alerting.LocalServices;

// Measures one scrape tick of the real function app (local host + Azurite) over many demo-fleet targets,
// some of which never answer. Usage: dotnet run -c Release --project bench/Alerting.ScrapeBench -- [targets] [hanging] [concurrency]
// Other modes: "parse [MB] [runs]" (parser throughput, ParseBench.cs) and
// "prometheus [targets] [rounds]" (our tick next to real Prometheus over the same targets, PrometheusBench.cs).
if (args.Length > 0 && args[0] == "parse")
{
    Alerting.ScrapeBench.ParseBench.Run(args[1..]);
    return;
}
var targets = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var hanging = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var concurrency = args.Length > 2 ? args[2] : "64";
var root = RepoPaths.Root;
await using var azurite = await Azurite.StartAsync();
var connection = azurite.ConnectionString;
var work = Directory.CreateTempSubdirectory("scrape-bench-").FullName;
{
    // One Kestrel listening on every target's port: a WebApplication per machine would measure Kestrel
    // start-up memory, not the scrape tick.
    var clock = TimeProvider.System;
    var machines = Enumerable.Range(1, targets).Select(i => new FleetMachine(i.ToString(CultureInfo.InvariantCulture), MachineMode.Healthy, clock, clock.GetUtcNow())).ToArray();
    var ports = DistinctFreePorts(targets + hanging);
    var byPort = new Dictionary<int, FleetMachine>();
    for (var i = 0; i < targets; i++)
    {
        byPort[ports[i]] = machines[i];
    }
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseKestrel(o =>
    {
        foreach (var p in ports)
        {
            o.Listen(IPAddress.Loopback, p);
        }
    });
    var fleet = builder.Build();
    fleet.MapGet("/metrics", async (HttpContext ctx) =>
    {
        if (byPort.TryGetValue(ctx.Connection.LocalPort, out var m))
        {
            return Results.Text(m.RenderMetrics(), "text/plain; version=0.0.4; charset=utf-8");
        }
        await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
        return Results.Empty;
    });
    await fleet.StartAsync();

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
        var elapsed = sw.Elapsed;
        var stored = await host.Services.GetRequiredService<ScrapeTickStore>().ReadSinceAsync(0, CancellationToken.None);
        var last = stored[^1];
        var up = last.Targets.Count(t => t.Samples.Any(s => s.Labels.Name == "up" && s.Value == 1));
        Console.WriteLine($"tick {tick}: {elapsed.TotalSeconds:0.00}s (scrape, encode and store); {up} of {last.Targets.Count} targets up, {last.Targets.Sum(t => t.Samples.Count)} samples");
    }
    await fleet.StopAsync();
}

// All held open together, so the operating system cannot hand out one port twice.
static int[] DistinctFreePorts(int count)
{
    var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
    foreach (var l in listeners)
    {
        l.Start();
    }
    var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
    foreach (var l in listeners)
    {
        l.Dispose();
    }
    return ports;
}
