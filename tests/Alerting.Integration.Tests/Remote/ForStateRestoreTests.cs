using System.Text.Json;
using Alerting.Integration.Tests.Scrape;
using Alerting.LocalServices;
using Microsoft.AspNetCore.Http;

namespace Alerting.Integration.Tests.Remote;

/// <summary>
/// A group evaluated against a real Prometheus 2.42 (datasource and remote write receiver at once) keeps its
/// <c>for</c> progress across a move to a new instance with empty storage: the new instance takes ActiveAt
/// back from the ALERTS_FOR_STATE the old one remote-wrote, and the alert fires when it would have without
/// the move.
/// </summary>
public sealed class ForStateRestoreTests
{
    private const string Rules = """
        groups:
          - name: restore
            interval: 1m
            rules:
              - alert: LongPending
                expr: demo_up == 1
                for: 15m
                labels: {severity: page}
        """;

    [Fact]
    public async Task An_alert_pending_when_the_app_moves_to_new_storage_fires_at_the_same_time_as_without_the_move()
    {
        await using var target = await TinyHttpServer.StartAsync(ctx =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4";
            return ctx.Response.WriteAsync("# TYPE demo_up gauge\ndemo_up 1\n");
        });
        await using var prometheus = await RealPrometheus.StartAsync("global: {scrape_interval: 1h}\nscrape_configs: []\n", null, "--web.enable-remote-write-receiver");
        var dir = Directory.CreateTempSubdirectory("alerting-restore-").FullName;
        var datasources = Path.Combine(dir, "datasources.yml");
        await File.WriteAllTextAsync(datasources, $"datasources:\n  - name: prom\n    url: {prometheus.Url}\n    rule_groups: ['*']\n");
        var scrape = $$"""
            global: {scrape_interval: 1m}
            scrape_configs:
              - job_name: demo
                static_configs: [{targets: ['127.0.0.1:{{target.Port}}']}]
            remote_write:
              - url: {{prometheus.Url}}api/v1/write
            """;
        var settings = new Dictionary<string, string?> { ["Alerting:Remote:DatasourcesPath"] = datasources };

        DateTimeOffset pendingSince, resumeAt;
        await using (var first = await CollectionHost.StartAsync(scrape, settings, Rules))
        {
            for (var i = 0; i < 6; i++)
            {
                await StepAsync(first);
            }
            var alert = Assert.Single(await AlertsAsync(first));
            Assert.Equal("pending", alert.GetProperty("state").GetString());
            pendingSince = alert.GetProperty("activeAt").GetDateTimeOffset();
            resumeAt = first.Time.GetUtcNow();
        }

        // A new instance on new storage: none of the first one's tables, the same datasource.
        await using var second = await CollectionHost.StartAsync(scrape, settings, Rules);
        Assert.True(second.Time.GetUtcNow() <= resumeAt);
        second.Time.Advance(resumeAt - second.Time.GetUtcNow());
        DateTimeOffset? firedAt = null;
        for (var i = 0; i < 20 && firedAt is null; i++)
        {
            var now = second.Time.GetUtcNow();
            await StepAsync(second);
            var alert = Assert.Single(await AlertsAsync(second));
            Assert.Equal(pendingSince, alert.GetProperty("activeAt").GetDateTimeOffset());
            if (alert.GetProperty("state").GetString() == "firing")
            {
                firedAt = now;
            }
        }
        // Without the move it fires at the first evaluation at least `for` after it became pending.
        Assert.Equal(pendingSince + TimeSpan.FromMinutes(15), firedAt);
        Directory.Delete(dir, recursive: true);
    }

    private static async Task StepAsync(CollectionHost app)
    {
        // The timers plan; the shards and groups they plan run from the queues.
        await app.Host.InvokeTimerAsync("Scrape");
        await app.Host.DrainQueuesAsync();
        await app.Host.InvokeTimerAsync("Evaluate");
        await app.Host.DrainQueuesAsync();
        await app.Host.InvokeTimerAsync("ForwardRemoteWrite");
        app.Time.Advance(TimeSpan.FromMinutes(1));
    }

    private static async Task<JsonElement[]> AlertsAsync(CollectionHost app)
    {
        using var doc = JsonDocument.Parse(await app.Http.GetStringAsync($"api/v1/alerts?{CollectionHost.Key}"));
        return doc.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray().Select(a => a.Clone()).ToArray();
    }
}
