using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Alerting.Core.FanOut;
using Alerting.Core.Tsdb.Wal;
using Alerting.Fakes;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Alerting.Integration.Tests.FanOut;

/// <summary>
/// Scrape and evaluation fanned out over two local hosts, separate processes on one Azurite: 300 targets
/// (one in-process fleet server, told apart by a relabelled <c>target</c> parameter) in shards of 50, and
/// 20 rule groups each recording a series and firing one alert. One host is killed with SIGKILL while it
/// scrapes; the other finishes its shards. The tick log and the Slack fake are the evidence: every target
/// stored exactly once per tick, every group evaluated at most once per slot and at every slot but around
/// the kill, every alert notified exactly once.
/// </summary>
public sealed class MultiHostFanOutTests(ITestOutputHelper output)
{
    private const int Targets = 300;
    private const int Groups = 20;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Two_hosts_share_the_ticks_and_groups_and_the_survivor_finishes_a_killed_hosts_shards()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var slack = await SlackWebhookFake.StartAsync();
        var scrapes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await using var fleet = await StartFleetAsync(scrapes);
        var fleetAddress = new Uri(fleet.Urls.First()).Authority;
        var dir = Directory.CreateTempSubdirectory("fanout-").FullName;
        var settings = await WriteConfigAsync(dir, fleetAddress, slack.WebhookUrl, azurite.ConnectionString);

        var hosts = new[] { await StartHostAsync(settings), await StartHostAsync(settings) };
        try
        {
            var samples = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("samples");
            // Two complete ticks, then kill host 1 half a second into the next one, while it scrapes its shards.
            await WaitForAsync(async () => (await FleetTicksAsync(samples)).Select(t => t.Ts).Distinct().Count() >= 2, TimeSpan.FromSeconds(90), "two fleet ticks");
            var nextTick = DateTimeOffset.FromUnixTimeMilliseconds(((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 10_000) + 1) * 10_000);
            await Task.Delay(nextTick - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500));
            var killedAt = DateTimeOffset.UtcNow;
            await hosts[1].Process.DisposeAsync();
            output.WriteLine($"killed host 1 at {killedAt:HH:mm:ss.fff}");

            // The survivor covers the following ticks on its own.
            await WaitForAsync(async () => (await FleetTicksAsync(samples)).Any(t => t.Ts >= nextTick.ToUnixTimeMilliseconds() + 30_000), TimeSpan.FromSeconds(60), "three ticks after the kill");
            await WaitForAsync(() => Task.FromResult(slack.Received.Count >= Groups), TimeSpan.FromSeconds(30), "a notification per group");
            var settledAt = DateTimeOffset.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(3));

            // Only ticks whose shards have had time to land (a tick's shards are superseded at the next tick).
            var fleetTicks = (await FleetTicksAsync(samples)).Where(t => t.Ts <= settledAt.ToUnixTimeMilliseconds() - 10_000).ToArray();
            var byTick = fleetTicks.GroupBy(t => t.Ts).OrderBy(g => g.Key).ToArray();
            output.WriteLine($"{byTick.Length} fleet ticks, {fleetTicks.Length} shard blobs; scrapes served {scrapes.Values.Sum()}");
            output.WriteLine($"ticks at {string.Join(", ", byTick.Select(g => DateTimeOffset.FromUnixTimeMilliseconds(g.Key).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))}; settled at {settledAt:HH:mm:ss.fff}");
            Assert.True(byTick.Length >= 4, $"{byTick.Length} ticks");
            // The tick the kill interrupted is there, complete (checked below), and so are the survivor's.
            // (A tick is stamped when its timer run plans it, just after the schedule's occurrence.)
            var killed = nextTick.ToUnixTimeMilliseconds();
            Assert.Contains(byTick, g => g.Key >= killed && g.Key < killed + 10_000);
            Assert.Contains(byTick, g => g.Key >= killed + 20_000 && g.Key < killed + 30_000);
            foreach (var tick in byTick)
            {
                var instances = tick.SelectMany(t => t.Instances).ToArray();
                Assert.True(instances.Length == Targets && instances.Distinct().Count() == Targets,
                    $"tick {tick.Key}: {instances.Length} stored, {instances.Distinct().Count()} distinct targets in {tick.Count()} shards");
            }

            var evaluations = await RuleTicksAsync(samples, settledAt.ToUnixTimeMilliseconds() - 10_000);
            Assert.Equal(Groups, evaluations.Count);
            foreach (var (job, times) in evaluations)
            {
                // Each evaluation is for the slot (Prometheus' aligned one) at or before its time: at most once per
                // slot, and every slot but at most one lost to the kill (its message died with the host and the slot passed).
                var key = job["__rules__/".Length..];
                var (file, name) = (key[..key.IndexOf(';', StringComparison.Ordinal)], key[(key.IndexOf(';', StringComparison.Ordinal) + 1)..]);
                var slots = times.Select(t => EvaluationPlanner.Slot(file, name, Interval, DateTimeOffset.FromUnixTimeMilliseconds(t)).ToUnixTimeMilliseconds()).ToArray();
                Assert.True(slots.Distinct().Count() == slots.Length, $"{name}: two evaluations of one slot in {string.Join(", ", times)}");
                var gaps = slots.Zip(slots.Skip(1), (a, b) => b - a).ToArray();
                Assert.True(gaps.Count(g => g > 10_000) <= 1, $"{name}: slots {string.Join(", ", slots)}");
            }

            var notified = slack.Received.SelectMany(r => r.Body["attachments"]?.AsArray() ?? []).Select(a => a?["title"]?.GetValue<string>() ?? string.Empty).ToArray();
            Assert.Equal(Groups, slack.Received.Count);
            Assert.Equal(Groups, notified.Distinct().Count());
        }
        catch
        {
            foreach (var (host, i) in hosts.Select((h, i) => (h, i)))
            {
                output.WriteLine($"----- host {i} -----\n{host.Process.Output}");
            }
            throw;
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.Process.DisposeAsync();
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed record Host(ExternalProcess Process, int Port);

    private sealed record ShardTick(long Ts, string[] Instances);

    private static async Task<WebApplication> StartFleetAsync(ConcurrentDictionary<string, int> scrapes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            var target = ctx.Request.Query["target"].ToString();
            scrapes.AddOrUpdate(target, 1, (_, n) => n + 1);
            // A real machine answers in tens of milliseconds; a shard of 50 at concurrency 8 takes about a second.
            await Task.Delay(100, ctx.RequestAborted);
            return Results.Text("# TYPE fleet_load gauge\nfleet_load 0.5\n", "text/plain; version=0.0.4");
        });
        await app.StartAsync();
        return app;
    }

    private static async Task<string> WriteConfigAsync(string dir, string fleetAddress, string slackUrl, string storage)
    {
        var targets = string.Join(", ", Enumerable.Range(0, Targets).Select(i => $"'fleet-{i}'"));
        await File.WriteAllTextAsync(Path.Combine(dir, "scrape.yml"), $"""
            global:
              scrape_interval: 10s
              scrape_timeout: 5s
            scrape_configs:
              - job_name: fleet
                static_configs:
                  - targets: [{targets}]
                relabel_configs:
                  - source_labels: [__address__]
                    target_label: instance
                  - source_labels: [__address__]
                    target_label: __param_target
                  - target_label: __address__
                    replacement: '{fleetAddress}'
            """);
        var groups = string.Concat(Enumerable.Range(0, Groups).Select(i => $"""
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
        await File.WriteAllTextAsync(Path.Combine(dir, "fanout.rules.yml"), "groups:\n" + groups);
        await File.WriteAllTextAsync(Path.Combine(dir, "alertmanager.yml"), $"""
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
        var values = new JsonObject
        {
            ["AzureWebJobsStorage"] = storage,
            ["ScrapeSchedule"] = "*/10 * * * * *",
            ["EvaluateSchedule"] = "*/5 * * * * *",
            ["Alerting:Scrape:ShardSize"] = "50",
            ["Alerting:ScrapeConcurrency"] = "8",
            ["Alerting:ScrapeConfigPath"] = Path.Combine(dir, "scrape.yml"),
            ["Alerting:RuleFiles"] = Path.Combine(dir, "fanout.rules.yml"),
            ["Alerting:AlertmanagerConfigPath"] = Path.Combine(dir, "alertmanager.yml"),
            ["Alerting:DefaultTemplatesPath"] = Path.Combine(RepoPaths.Root, "rules", "templates"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var path = Path.Combine(dir, "local.settings.json");
        await File.WriteAllTextAsync(path, new JsonObject { ["Values"] = values }.ToJsonString());
        return path;
    }

    private static async Task<Host> StartHostAsync(string settings)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(RepoPaths.Root, "src", "Alerting.LocalHost", "bin", configuration, "net10.0", "Alerting.LocalHost.dll");
        var port = ExternalProcess.FreePort();
        // A short queue lease, so a killed host's shards come back within the tick (Azure's listener: 10 min).
        var process = ExternalProcess.Start("dotnet", dll, "--urls", $"http://127.0.0.1:{port}", "--settings", settings,
            "--host-json", Path.Combine(RepoPaths.Root, "host.json"), "--queue-lease", "4");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, "the host exited at start: " + process.Output);
            try
            {
                using var r = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/api/health"));
                if (r.IsSuccessStatusCode)
                {
                    return new Host(process, port);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("the host did not answer /api/health within 60 s: " + process.Output);
    }

    /// <summary>Every stored tick of job "fleet": its time and the targets it holds.</summary>
    private static async Task<IReadOnlyList<ShardTick>> FleetTicksAsync(BlobContainerClient samples)
    {
        var result = new List<ShardTick>();
        if (!await samples.ExistsAsync())
        {
            return result;
        }
        await foreach (var blob in samples.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "ticks/", CancellationToken.None))
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
    private static async Task<IReadOnlyDictionary<string, long[]>> RuleTicksAsync(BlobContainerClient samples, long untilMs)
    {
        var times = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        await foreach (var blob in samples.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "ticks/", CancellationToken.None))
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

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout.TotalSeconds:F0} s waiting for {what}");
            await Task.Delay(250);
        }
    }
}
