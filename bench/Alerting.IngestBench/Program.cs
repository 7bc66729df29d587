using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Functions.Storage;
using Alerting.LocalHost;
using Alerting.LocalServices;
using Microsoft.Extensions.DependencyInjection;

// Sustained alert ingest into the real function app (local host, background queue pumps, Azurite) and the
// same load into the real Alertmanager with a webhook receiver, for comparison.
// Usage: dotnet run -c Release --project bench/Alerting.IngestBench -- [alerts-per-second=1000] [seconds=30] [batch=50]
var rate = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
var batch = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 50;
var total = rate * seconds;
var work = Directory.CreateTempSubdirectory("ingest-bench-").FullName;
// One group per 100 alerts: grouping work is real, but most alerts join existing groups, as in a fleet.
var config = """
    route:
      receiver: sink
      group_by: ['alertname']
      # Flushes fall outside the measured window: this measures ingest up to the notification queue.
      group_wait: 1h
      group_interval: 1h
    receivers:
      - name: sink
        webhook_configs:
          - url: 'http://127.0.0.1:9/unused'
    """;
await File.WriteAllTextAsync(Path.Combine(work, "alertmanager.yml"), config);
await File.WriteAllTextAsync(Path.Combine(work, "scrape.yml"), "scrape_configs: []\n");
await File.WriteAllTextAsync(Path.Combine(work, "none.rules.yml"), "groups: []\n");

string Batch(int from, int count, long sentMs) => "[" + string.Join(',', Enumerable.Range(from, count).Select(i =>
    $$$"""{"labels":{"alertname":"Bench{{{i / 100}}}","instance":"vyx-user-{{{i}}}","sent_ms":"{{{sentMs}}}"},"annotations":{"summary":"s"}}""")) + "]";

Console.WriteLine($"{total:N0} alerts at {rate}/s in batches of {batch}, {Environment.ProcessorCount} cores");

// --- ours ---
await using (var azurite = await Azurite.StartAsync())
{
    await using var host = await LocalFunctionHost.StartAsync(
        new LocalHostOptions { Urls = "http://127.0.0.1:0", HostJsonPath = Path.Combine(RepoPaths.Root, "host.json"), EnableTimers = false, EnableQueuePumps = true },
        new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["ScrapeSchedule"] = "*/30 * * * * *",
            ["EvaluateSchedule"] = "*/30 * * * * *",
            ["Alerting:ScrapeConfigPath"] = Path.Combine(work, "scrape.yml"),
            ["Alerting:RuleFiles"] = Path.Combine(work, "none.rules.yml"),
            ["Alerting:AlertmanagerConfigPath"] = Path.Combine(work, "alertmanager.yml"),
            ["Alerting:DefaultTemplatesPath"] = Path.Combine(RepoPaths.Root, "rules", "templates"),
            ["Logging:LogLevel:Default"] = "Warning",
        });
    using var http = new HttpClient { BaseAddress = host.BaseAddress };
    var sent = await LoadAsync(async (from, count, ms) =>
    {
        using var content = new StringContent(Batch(from, count, ms), Encoding.UTF8, "application/json");
        return await http.PostAsync("api/v2/alerts?code=local-function-key", content);
    });
    // Wait (bounded) until every alert was routed: stored and in its group with a flush scheduled.
    var store = host.Services.GetRequiredService<AlertStore>();
    var drainStart = Stopwatch.StartNew();
    IReadOnlyList<StoredAlert> routed = [];
    while (drainStart.Elapsed < TimeSpan.FromMinutes(10))
    {
        routed = await store.ListAsync(CancellationToken.None);
        if (routed.Count >= total)
        {
            break;
        }
        await Task.Delay(1000);
    }
    var latencies = routed.Select(a => (a.UpdatedAt - DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(a.Alert.Labels["sent_ms"], CultureInfo.InvariantCulture))).TotalMilliseconds).Order().ToArray();
    var groups = await host.Services.GetRequiredService<GroupStore>().ListAsync(CancellationToken.None);
    Console.WriteLine($"ours: accepted {sent.Accepted:N0}/{total:N0} in {sent.Elapsed.TotalSeconds:F1}s ({sent.Accepted / sent.Elapsed.TotalSeconds:F0}/s offered), " +
        $"routed {routed.Count:N0} ({total - routed.Count} lost), {groups.Count} groups with flushes queued; " +
        $"ingest->routed p50 {P(latencies, 0.5):F0} ms, p99 {P(latencies, 0.99):F0} ms, max {latencies.LastOrDefault():F0} ms");
}

// --- the real Alertmanager, webhook to a local sink ---
if (RealAlertmanager.Binary is null)
{
    Console.WriteLine("prometheus-alertmanager not installed: comparison skipped");
    return 0;
}
var arrivals = new ConcurrentDictionary<string, long>();
var sinkPort = ExternalProcess.FreePort();
using var sink = new HttpListener();
sink.Prefixes.Add($"http://127.0.0.1:{sinkPort}/");
sink.Start();
_ = Task.Run(async () =>
{
    while (sink.IsListening)
    {
        HttpListenerContext ctx;
        try
        {
            ctx = await sink.GetContextAsync();
        }
        catch (HttpListenerException)
        {
            return;
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var body = await JsonNode.ParseAsync(ctx.Request.InputStream);
        foreach (var a in body!["alerts"]!.AsArray())
        {
            arrivals.TryAdd(a!["labels"]!["instance"]!.GetValue<string>(), now - long.Parse(a["labels"]!["sent_ms"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        }
        ctx.Response.StatusCode = 200;
        ctx.Response.Close();
    }
});
await using (var am = await RealAlertmanager.StartAsync(
    config.Replace("http://127.0.0.1:9/unused", $"http://127.0.0.1:{sinkPort}/", StringComparison.Ordinal)
        // Alertmanager sends each new alert at once (group_wait 0s) and the alerts that join a group within
        // a second (group_interval 1s), so every alert reaches the sink and its latency is measured.
        .Replace("group_wait: 1h", "group_wait: 0s", StringComparison.Ordinal).Replace("group_interval: 1h", "group_interval: 1s", StringComparison.Ordinal),
    "http://alertmanager.bench"))
{
    var sent = await LoadAsync(async (from, count, ms) =>
    {
        using var content = new StringContent(Batch(from, count, ms), Encoding.UTF8, "application/json");
        return await am.Http.PostAsync("api/v2/alerts", content);
    });
    var wait = Stopwatch.StartNew();
    while (arrivals.Count < total && wait.Elapsed < TimeSpan.FromMinutes(2))
    {
        await Task.Delay(500);
    }
    var l = arrivals.Values.Select(v => (double)v).Order().ToArray();
    Console.WriteLine($"alertmanager: accepted {sent.Accepted:N0}/{total:N0} in {sent.Elapsed.TotalSeconds:F1}s, delivered {arrivals.Count:N0} to the webhook " +
        $"(group_wait 0s, group_interval 1s); ingest->webhook p50 {P(l, 0.5):F0} ms, p99 {P(l, 0.99):F0} ms");
}
sink.Stop();
return 0;

// Offers `total` alerts at `rate` per second, batch by batch, on a fixed schedule (no coordinated omission:
// a slow answer does not delay the next batch's start).
async Task<(int Accepted, TimeSpan Elapsed)> LoadAsync(Func<int, int, long, Task<HttpResponseMessage>> post)
{
    var accepted = 0;
    var clock = Stopwatch.StartNew();
    var inflight = new List<Task>();
    var batches = (total + batch - 1) / batch;
    for (var b = 0; b < batches; b++)
    {
        var due = TimeSpan.FromSeconds((double)b * batch / rate);
        if (due > clock.Elapsed)
        {
            await Task.Delay(due - clock.Elapsed);
        }
        var from = b * batch;
        var count = Math.Min(batch, total - from);
        inflight.Add(Task.Run(async () =>
        {
            using var r = await post(from, count, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            if (r.IsSuccessStatusCode)
            {
                Interlocked.Add(ref accepted, count);
            }
        }));
    }
    await Task.WhenAll(inflight);
    return (accepted, clock.Elapsed);
}

static double P(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
