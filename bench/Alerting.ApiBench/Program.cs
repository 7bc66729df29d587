using System.Diagnostics;
using System.Globalization;
using System.Text;
using Alerting.Functions.Storage;
using Alerting.LocalHost;
using Alerting.LocalServices;
using Microsoft.Extensions.DependencyInjection;

// Alertmanager's v2 read API under load: N stored alerts, S silences and an inhibition rule, then R
// sequential GET /api/v2/alerts and /api/v2/alerts/groups on the real function app (local host, Azurite)
// and on the real Alertmanager 0.25 holding the same alerts and silences.
// Usage: dotnet bench/Alerting.ApiBench/bin/Release/net10.0/Alerting.ApiBench.dll [alerts=2000] [silences=50] [requests=30]
var alerts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var silences = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
var requests = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 30;
var work = Directory.CreateTempSubdirectory("api-bench-").FullName;
var config = """
    route:
      receiver: sink
      group_by: ['alertname']
      group_wait: 1h
      group_interval: 1h
      routes:
        - matchers: ['severity="critical"']
          receiver: pager
          continue: true
    inhibit_rules:
      - source_matchers: ['severity="critical"']
        target_matchers: ['severity="warning"']
        equal: [instance]
    receivers:
      - name: sink
      - name: pager
    """;
await File.WriteAllTextAsync(Path.Combine(work, "alertmanager.yml"), config);
await File.WriteAllTextAsync(Path.Combine(work, "scrape.yml"), "scrape_configs: []\n");
await File.WriteAllTextAsync(Path.Combine(work, "none.rules.yml"), "groups: []\n");

// Two alerts per machine: a warning, and an info or (one machine in 20) a critical NodeDown that inhibits
// the machine's warning. Alertnames group about 100 alerts each.
string Batch(int from, int count) => "[" + string.Join(',', Enumerable.Range(from, count).Select(i =>
    $$$"""{"labels":{"alertname":"{{{(i % 40 == 1 ? "NodeDown" : $"Bench{i / 100}")}}}","instance":"vyx-user-{{{i / 2}}}","severity":"{{{(i % 2 == 0 ? "warning" : i % 40 == 1 ? "critical" : "info")}}}"},"annotations":{"summary":"s"}}""")) + "]";
string Silence(int i) => $$$"""{"matchers":[{"name":"alertname","value":"Bench{{{i}}}","isRegex":false}],"startsAt":"{{{DateTimeOffset.UtcNow:O}}}","endsAt":"{{{DateTimeOffset.UtcNow.AddHours(1):O}}}","createdBy":"bench","comment":"c"}""";

Console.WriteLine($"{alerts:N0} alerts, {silences} silences, {requests} requests per route, {Environment.ProcessorCount} cores");
var rows = new List<string>();

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
    using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
    await LoadAsync(http, "?code=local-function-key");
    var store = host.Services.GetRequiredService<AlertStore>();
    var wait = Stopwatch.StartNew();
    var stored = 0;
    while ((stored = (await store.ListAsync(CancellationToken.None)).Count) < alerts && wait.Elapsed < TimeSpan.FromMinutes(10))
    {
        await Task.Delay(1000);
    }
    Console.WriteLine($"ours: {stored:N0} alerts stored after {wait.Elapsed.TotalSeconds:F0} s");
    rows.Add(await MeasureAsync("ours", http, "?code=local-function-key", "&code=local-function-key"));
}

if (RealAlertmanager.Binary is null)
{
    Console.WriteLine("prometheus-alertmanager not installed: comparison skipped");
}
else
{
    await using var am = await RealAlertmanager.StartAsync(config, "http://alertmanager.bench");
    await LoadAsync(am.Http, string.Empty);
    rows.Add(await MeasureAsync("Alertmanager 0.25", am.Http, string.Empty, string.Empty));
}
Console.WriteLine("| server | GET /api/v2/alerts p50 / p99 | GET /api/v2/alerts/groups p50 / p99 | alerts listed |");
Console.WriteLine("|---|---|---|---|");
rows.ForEach(Console.WriteLine);
return 0;

async Task LoadAsync(HttpClient http, string key)
{
    for (var from = 0; from < alerts; from += 500)
    {
        using var content = new StringContent(Batch(from, Math.Min(500, alerts - from)), Encoding.UTF8, "application/json");
        (await http.PostAsync("api/v2/alerts" + key, content)).EnsureSuccessStatusCode();
    }
    for (var i = 0; i < silences; i++)
    {
        using var content = new StringContent(Silence(i), Encoding.UTF8, "application/json");
        (await http.PostAsync("api/v2/silences" + key, content)).EnsureSuccessStatusCode();
    }
}

async Task<string> MeasureAsync(string name, HttpClient http, string firstKey, string nextKey)
{
    var listed = 0;
    async Task<double[]> TimeAsync(string path)
    {
        await http.GetStringAsync(path); // warm-up
        var times = new List<double>();
        for (var i = 0; i < requests; i++)
        {
            var sw = Stopwatch.StartNew();
            var body = await http.GetStringAsync(path);
            times.Add(sw.Elapsed.TotalMilliseconds);
            listed = System.Text.Json.Nodes.JsonNode.Parse(body)!.AsArray().Count;
        }
        return [.. times.Order()];
    }
    var flat = await TimeAsync("api/v2/alerts?silenced=true&inhibited=true" + nextKey);
    var flatListed = listed;
    var groups = await TimeAsync("api/v2/alerts/groups" + firstKey);
    return $"| {name} | {P(flat, 0.5):F0} / {P(flat, 0.99):F0} ms | {P(groups, 0.5):F0} / {P(groups, 0.99):F0} ms | {flatListed:N0} |";
}

static double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
