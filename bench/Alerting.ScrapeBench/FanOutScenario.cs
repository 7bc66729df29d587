using System.Collections.Concurrent;
using System.Globalization;
using Alerting.Core.Tsdb.Wal;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Alerting.ScrapeBench;

/// <summary>
/// The multi-host fan-out scenario shared by the CI test (<c>MultiHostFanOutTests</c>, small) and the bench's
/// <c>fanout-check</c> (issue 22's full size): a counting fleet server whose targets are told apart by a relabelled
/// <c>target</c> parameter, the scrape/rule/alertmanager files (every group records a series and fires one alert
/// to Slack at 10 s), and the evidence read back from the tick log.
/// </summary>
public static class FanOutScenario
{
    public const string ScrapeFile = "scrape.yml";
    public const string RulesFile = "fanout.rules.yml";
    public const string AlertmanagerFile = "alertmanager.yml";

    public sealed record ShardTick(long Ts, string[] Instances);

    /// <summary>The hosts' settings: scrape every 10 s, plan evaluations every 5 s, scrape 8 targets at a time, the files in <paramref name="dir"/>.</summary>
    public static Dictionary<string, string> HostSettings(string dir, int? shardSize = null)
    {
        var values = new Dictionary<string, string>
        {
            ["ScrapeSchedule"] = "*/10 * * * * *",
            ["EvaluateSchedule"] = "*/5 * * * * *",
            ["Alerting:ScrapeConcurrency"] = "8",
            ["Alerting:ScrapeConfigPath"] = Path.Combine(dir, ScrapeFile),
            ["Alerting:RuleFiles"] = Path.Combine(dir, RulesFile),
            ["Alerting:AlertmanagerConfigPath"] = Path.Combine(dir, AlertmanagerFile),
            ["Alerting:DefaultTemplatesPath"] = Path.Combine(Alerting.LocalServices.RepoPaths.Root, "rules", "templates"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (shardSize is { } size)
        {
            values["Alerting:Scrape:ShardSize"] = size.ToString(CultureInfo.InvariantCulture);
        }
        return values;
    }

    public static async Task<WebApplication> StartFleetAsync(ConcurrentDictionary<string, int> served)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            var target = ctx.Request.Query["target"].ToString();
            served.AddOrUpdate(target, 1, (_, n) => n + 1);
            // A real machine answers in tens of milliseconds: a shard takes seconds at concurrency 8, so a kill
            // just after a tick begins finds shards half scraped.
            await Task.Delay(100, ctx.RequestAborted);
            return Results.Text("# TYPE fleet_load gauge\nfleet_load 0.5\n", "text/plain; version=0.0.4");
        });
        await app.StartAsync();
        return app;
    }

    public static async Task WriteFilesAsync(string dir, string fleetAddress, string slackUrl, int targets, int groups)
    {
        var list = string.Join(", ", Enumerable.Range(0, targets).Select(i => $"'fleet-{i}'"));
        await File.WriteAllTextAsync(Path.Combine(dir, ScrapeFile), $"""
            global:
              scrape_interval: 10s
              scrape_timeout: 5s
            scrape_configs:
              - job_name: fleet
                static_configs:
                  - targets: [{list}]
                relabel_configs:
                  - source_labels: [__address__]
                    target_label: instance
                  - source_labels: [__address__]
                    target_label: __param_target
                  - target_label: __address__
                    replacement: '{fleetAddress}'
            """);
        var rules = string.Concat(Enumerable.Range(0, groups).Select(i => $"""
              - name: g{i}
                interval: 10s
                rules:
                  - record: fanout:evaluated
                    expr: vector(1)
                    labels: {"{"}group: g{i}{"}"}
                  - alert: FanOutGroup{i}
                    expr: vector(1)
                    labels: {"{"}group: g{i}{"}"}

            """));
        await File.WriteAllTextAsync(Path.Combine(dir, RulesFile), "groups:\n" + rules);
        await File.WriteAllTextAsync(Path.Combine(dir, AlertmanagerFile), $"""
            route:
              receiver: team
              group_by: ['alertname']
              group_wait: 1s
              group_interval: 5m
              repeat_interval: 24h
            receivers:
              - name: team
                slack_configs:
                  - api_url: '{slackUrl}'
                    channel: '#fanout'
                    title: '{"{{"} .CommonLabels.alertname {"}}"}'
            """);
    }

    /// <summary>Every stored tick of job "fleet": its time and the targets it holds.</summary>
    public static async Task<IReadOnlyList<ShardTick>> FleetTicksAsync(BlobContainerClient samples)
    {
        var result = new List<ShardTick>();
        if (!await samples.ExistsAsync())
        {
            return result;
        }
        await foreach (var blob in samples.GetBlobsAsync(BlobTraits.None, BlobStates.None, "ticks/", CancellationToken.None))
        {
            if (blob.Name.Split('/') is [_, _, "fleet", _])
            {
                var tick = ScrapeTickCodec.Decode((await samples.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray());
                result.Add(new ShardTick(tick.TimestampMs, [.. tick.Targets.Select(t => t.Instance)]));
            }
        }
        return result;
    }

    /// <summary>Per rule group, the times of its evaluations (each writes one recording tick), up to <paramref name="untilMs"/>.</summary>
    public static async Task<IReadOnlyDictionary<string, long[]>> RuleTicksAsync(BlobContainerClient samples, long untilMs)
    {
        var times = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        await foreach (var blob in samples.GetBlobsAsync(BlobTraits.None, BlobStates.None, "ticks/", CancellationToken.None))
        {
            var parts = blob.Name.Split('/');
            var job = Uri.UnescapeDataString(parts[2]);
            if (job.StartsWith("__rules__/", StringComparison.Ordinal))
            {
                var ts = long.Parse(parts[3].AsSpan(0, parts[3].IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
                if (ts <= untilMs)
                {
                    (times.TryGetValue(job, out var list) ? list : times[job] = []).Add(ts);
                }
            }
        }
        return times.ToDictionary(kv => kv.Key, kv => kv.Value.Order().ToArray(), StringComparer.Ordinal);
    }
}
