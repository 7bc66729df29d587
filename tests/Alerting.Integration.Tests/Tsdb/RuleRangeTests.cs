using System.Text.Json.Nodes;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions.Tsdb;
using Alerting.Integration.Tests.Notify;
using Alerting.Integration.Tests.Scrape;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alerting.Integration.Tests.Tsdb;

/// <summary>
/// The function app's Evaluate and Compact timers with a rule reading an hour back: with no retention
/// setting the rule sees its whole hour (compacted blocks plus the head), and a configured retention
/// shorter than that refuses the rule's file with a message that names it.
/// </summary>
public sealed class RuleRangeTests : IAsyncLifetime
{
    private const string LongRules = """
        groups:
          - name: long
            interval: 1m
            rules:
              - alert: HourlyJobRateHigh
                expr: rate(jobs_total[1h]) * 3600 > 100
                annotations:
                  summary: "{{ $value }} jobs in the last hour"
        """;

    private readonly CapturedLogs _logs = new();
    private CollectionHost _host = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private async Task StartAsync(string? retention)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Alerting:Tsdb:BlockDuration"] = "00:10:00",
            ["Alerting:Tsdb:CompactionDelay"] = "00:02:00",
            ["Alerting:SampleRetention"] = retention,
        };
        _host = await CollectionHost.StartAsync("global: {}\nscrape_configs: []\n", settings, LongRules, s => s.AddSingleton<ILoggerProvider>(_logs));
    }

    /// <summary>jobs_total grows by 10 a minute for 50 minutes, then stays flat: over the last 20 minutes its rate is 0, over the last hour it is not.</summary>
    private async Task<MemorySeriesStore> WriteHistoryAsync(int minutes)
    {
        var log = _host.Host.Services.GetRequiredService<ScrapeTickStore>();
        var reference = new MemorySeriesStore();
        var labels = Labels.From(("__name__", "jobs_total"), ("instance", "worker:9100"), ("job", "workers"));
        for (var m = 0; m <= minutes; m++)
        {
            var t = _host.Time.GetUtcNow().ToUnixTimeMilliseconds();
            var value = Math.Min(m, 50) * 10.0;
            await log.WriteAsync(new ScrapeTick("workers", t, [new TargetSamples("worker:9100", [new CollectedSample(labels, value, t)])]), CancellationToken.None);
            reference.Append(labels, new Sample(t, value));
            if (m % 10 == 0)
            {
                await _host.Host.InvokeTimerAsync("Compact");
            }
            if (m < minutes)
            {
                _host.Time.Advance(TimeSpan.FromMinutes(1));
            }
        }
        return reference;
    }

    private async Task<JsonArray> AlertsAsync() =>
        (JsonNode.Parse(await _host.Http.GetStringAsync($"/api/v1/alerts?{CollectionHost.Key}"))!["data"]!["alerts"]!).AsArray();

    [Fact]
    public async Task An_hour_long_rate_sees_its_whole_hour_across_blocks_and_head()
    {
        await StartAsync(retention: null);
        var reference = await WriteHistoryAsync(90);
        await _host.Host.InvokeTimerAsync("Evaluate");
        await _host.Host.DrainQueuesAsync();

        var manifest = (await _host.Host.Services.GetRequiredService<ManifestStore>().ReadAsync(CancellationToken.None)).Manifest;
        var now = _host.Time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.InRange(manifest.CompactedThrough, now - 720_000, now - 120_000);
        Assert.Contains(manifest.Blocks, b => b.MinTime <= now - 3_600_000);

        var alert = Assert.Single(await AlertsAsync());
        Assert.Equal("HourlyJobRateHigh", alert!["labels"]!["alertname"]!.GetValue<string>());
        Assert.Equal("firing", alert["state"]!.GetValue<string>());
        // The group evaluates at the time of the timer run that planned it.
        var rules = JsonNode.Parse(await _host.Http.GetStringAsync($"/api/v1/rules?{CollectionHost.Key}"))!["data"]!["groups"]!.AsArray();
        var evaluatedAt = DateTimeOffset.Parse(rules.Single()!["lastEvaluation"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        Assert.InRange(evaluatedAt, now - 60_000, now);
        var expected = ((VectorValue)new PromQlEngine().Instant(PromQlParser.Parse("rate(jobs_total[1h]) * 3600"), reference, evaluatedAt)).Samples.Single().Value;
        var summary = alert["annotations"]!["summary"]!.GetValue<string>();
        Assert.EndsWith(" jobs in the last hour", summary, StringComparison.Ordinal);
        Assert.Equal(expected, double.Parse(summary.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture), 9);
        // A 20-minute window, as the store used to keep, would have seen no jobs at all.
        Assert.True(expected > 150, $"{expected}");
    }

    [Fact]
    public async Task A_retention_shorter_than_a_rule_reads_refuses_its_file_and_names_group_rule_and_range()
    {
        await StartAsync(retention: "00:20:00");
        await WriteHistoryAsync(90);
        await _host.Host.InvokeTimerAsync("Evaluate");
        await _host.Host.DrainQueuesAsync();

        Assert.Empty(await AlertsAsync());
        var error = Assert.Single(_logs.Lines, l => l.Level == LogLevel.Error && l.Message.Contains("HourlyJobRateHigh", StringComparison.Ordinal));
        Assert.Contains("test.rules.yml", error.Message, StringComparison.Ordinal);
        Assert.Contains("group \"long\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("reads 1h of samples (range selector jobs_total[1h])", error.Message, StringComparison.Ordinal);
        Assert.Contains("Alerting:SampleRetention (20m)", error.Message, StringComparison.Ordinal);
    }
}
