using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Functions.Storage;
using Alerting.IngestBench;
using static Alerting.IngestBench.BenchFigures;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Alerting.LocalHost;
using Alerting.LocalServices;
using Microsoft.Extensions.DependencyInjection;

// Sustained alert ingest into the real function app (local host, background queue pumps, Azurite) and the
// same load into the real Alertmanager with a webhook receiver, for comparison.
// Usage: dotnet run -c Release --project bench/Alerting.IngestBench -- [alerts-per-second=1000] [seconds=30] [batch=50]
//        dotnet run -c Release --project bench/Alerting.IngestBench -- retention [days=7] [machines=200]
//        dotnet run -c Release --project bench/Alerting.IngestBench -- first-notification [groups=50] [spacing-ms=2500] [poll-only]
if (args.Length > 0 && args[0] == "retention")
{
    return await RetentionBench.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "first-notification")
{
    return await FirstNotificationBench.RunAsync(args[1..]);
}
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

string Batch(int from, int count, long sentMs, string name = "Bench") => "[" + string.Join(',', Enumerable.Range(from, count).Select(i =>
    $$$"""{"labels":{"alertname":"{{{name}}}{{{i / 100}}}","instance":"vyx-user-{{{i}}}","sent_ms":"{{{sentMs}}}"},"annotations":{"summary":"s"}}""")) + "]";

Console.WriteLine($"{total:N0} alerts at {rate}/s in batches of {batch}, {Environment.ProcessorCount} cores, load average {LoadAverage()}");

// --- ours ---
await using (var azurite = await Azurite.StartAsync())
{
    await using var host = await LocalFunctionHost.StartAsync(
        // INGEST_BENCH_HOST_JSON tries other queue settings (batchSize, newBatchThreshold) before host.json changes.
        new LocalHostOptions { Urls = "http://127.0.0.1:0", HostJsonPath = Environment.GetEnvironmentVariable("INGEST_BENCH_HOST_JSON") ?? Path.Combine(RepoPaths.Root, "host.json"), EnableTimers = false, EnableQueuePumps = true },
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
    var alertsQueue = host.Services.GetRequiredService<QueueServiceClient>().GetQueueClient(StorageNames.AlertsQueue);
    async Task DrainAsync(TimeSpan limit)
    {
        // The queue's approximate count includes messages being processed: zero twice in a row means drained.
        var watch = Stopwatch.StartNew();
        var empty = 0;
        while (empty < 2 && watch.Elapsed < limit)
        {
            await Task.Delay(500);
            empty = (await alertsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0 ? empty + 1 : 0;
        }
    }

    // Warm-up (JIT, connections, tables): one batch of other alerts, routed before the measured load starts.
    using (var warm = new StringContent(Batch(0, batch, 0, "Warmup"), Encoding.UTF8, "application/json"))
    {
        (await http.PostAsync("api/v2/alerts?code=local-function-key", warm)).EnsureSuccessStatusCode();
    }
    await DrainAsync(TimeSpan.FromMinutes(1));

    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    using var profile = new IngestProfile();
    // Where the time goes: the alerts queue's backlog, sampled every second from the start of the load, and
    // how long each POST took to be answered (the HTTP side: parse, validate, enqueue).
    var backlog = new List<(double Seconds, int Messages)>();
    using var sampling = new CancellationTokenSource();
    var loadClock = Stopwatch.StartNew();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            backlog.Add((loadClock.Elapsed.TotalSeconds, (await alertsQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount));
            try
            {
                await Task.Delay(1000, sampling.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    });
    var postMs = new ConcurrentBag<double>();
    var sent = await LoadAsync(async (from, count, ms) =>
    {
        using var content = new StringContent(Batch(from, count, ms), Encoding.UTF8, "application/json");
        var post = Stopwatch.StartNew();
        var response = await http.PostAsync("api/v2/alerts?code=local-function-key", content);
        postMs.Add(post.Elapsed.TotalMilliseconds);
        return response;
    });
    await DrainAsync(TimeSpan.FromMinutes(10));
    var drained = loadClock.Elapsed.TotalSeconds;
    await sampling.CancelAsync();
    await sampler;
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    var peak = backlog.MaxBy(b => b.Messages);
    var posts = postMs.Order().ToArray();
    // Messages, not alerts: concurrent POSTs share messages, so a message holds one POST's alerts or several.
    Console.WriteLine($"ours, breakdown: POST answered p50 {P(posts, 0.5):F0} ms, p99 {P(posts, 0.99):F0} ms; alerts queue backlog peak {peak.Messages:N0} messages " +
        $"at {peak.Seconds:F0} s, at the end of the load ({sent.Elapsed.TotalSeconds:F0} s) " +
        $"{backlog.LastOrDefault(b => b.Seconds <= sent.Elapsed.TotalSeconds).Messages:N0}; drained at {drained:F0} s, " +
        $"so the Route handler took {total / drained:F0} alerts/s against {sent.Accepted / sent.Elapsed.TotalSeconds:F0}/s offered");

    // "Routed" is when the alert's membership row in its group was written (its Timestamp, set by storage):
    // the alert row is written before it and the group's flush is queued when the group is created.
    var sentAt = (await host.Services.GetRequiredService<AlertStore>().ListAsync(CancellationToken.None))
        .Where(a => a.Alert.Labels["alertname"].StartsWith("Bench", StringComparison.Ordinal))
        .ToDictionary(a => a.Alert.Fingerprint, a => long.Parse(a.Alert.Labels["sent_ms"], CultureInfo.InvariantCulture));
    var groupsTable = host.Services.GetRequiredService<TableServiceClient>().GetTableClient(StorageNames.GroupsTable);
    var routedAt = new Dictionary<string, long>(StringComparer.Ordinal);
    var groupCount = 0;
    await foreach (var row in groupsTable.QueryAsync<TableEntity>(select: ["RowKey", "Timestamp"]))
    {
        if (row.RowKey == GroupStore.HeaderRow)
        {
            groupCount++;
        }
        else if (sentAt.ContainsKey(row.RowKey))
        {
            routedAt[row.RowKey] = row.Timestamp!.Value.ToUnixTimeMilliseconds();
        }
    }
    var latencies = routedAt.Select(r => (double)(r.Value - sentAt[r.Key])).Order().ToArray();
    Console.WriteLine($"ours: accepted {sent.Accepted:N0}/{total:N0} in {sent.Elapsed.TotalSeconds:F1}s ({sent.Accepted / sent.Elapsed.TotalSeconds:F0}/s offered), " +
        $"routed {latencies.Length:N0} ({total - latencies.Length} lost), {groupCount - 1} groups with flushes queued; " +
        $"ingest->routed p50 {P(latencies, 0.5):F0} ms, p99 {P(latencies, 0.99):F0} ms, max {latencies.LastOrDefault():F0} ms; " +
        $"function app CPU {cpu.TotalSeconds:F1} s; load average {LoadAverage()}");
    foreach (var line in profile.Report(total))
    {
        Console.WriteLine(line);
    }
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
            if (a!["labels"]!["alertname"]!.GetValue<string>().StartsWith("Warmup", StringComparison.Ordinal))
            {
                arrivals.TryAdd("warmup-" + a["labels"]!["instance"]!.GetValue<string>(), 0);
                continue;
            }
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
    using (var warm = new StringContent(Batch(0, batch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "Warmup"), Encoding.UTF8, "application/json"))
    {
        (await am.Http.PostAsync("api/v2/alerts", warm)).EnsureSuccessStatusCode();
    }
    var warmWait = Stopwatch.StartNew();
    while (arrivals.Count < batch && warmWait.Elapsed < TimeSpan.FromSeconds(30))
    {
        await Task.Delay(200);
    }
    arrivals.Clear();
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
        $"(group_wait 0s, group_interval 1s); ingest->webhook p50 {P(l, 0.5):F0} ms, p99 {P(l, 0.99):F0} ms, max {l.LastOrDefault():F0} ms; load average {LoadAverage()}");
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
