using System.Globalization;
using System.Text.Json;
using Alerting.Core.Model;
using Alerting.Core.Remote.Write;
using Alerting.Functions.Tsdb;
using Alerting.Integration.Tests.Scrape;
using Alerting.LocalServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.Integration.Tests.Remote;

/// <summary>
/// <c>remote_write</c> out: the app forwards what it scrapes and records (and its ALERTS) to Debian's real
/// prometheus 2.42 started as a remote write receiver, through a pass-through proxy the test can turn into a
/// failing receiver. Prometheus' query API must then hold every sample with our values and timestamps.
/// </summary>
public sealed class RemoteWriteOutTests
{
    private const string Rules = """
        groups:
          - name: out
            interval: 15s
            rules:
              - record: app:value:sum
                expr: sum(app_value)
              - alert: AppHigh
                expr: app_value > 1
        """;

    [Fact]
    public async Task Samples_we_scrape_and_record_reach_a_real_prometheus_with_our_values_and_timestamps_even_after_it_was_down()
    {
        var calls = 0;
        await using var target = await TinyHttpServer.StartAsync(ctx =>
        {
            var n = Interlocked.Increment(ref calls);
            ctx.Response.ContentType = "text/plain; version=0.0.4";
            // A series that comes and goes, so its stale marker must travel too.
            var extra = n % 3 == 0 ? string.Empty : $"app_flappy {n}\n";
            return ctx.Response.WriteAsync($"# TYPE app_value gauge\napp_value{{room=\"a\"}} {n}\napp_value{{room=\"b\"}} {n * 0.5}\n{extra}");
        });
        await using var receiver = await RealPrometheus.StartAsync("global: {scrape_interval: 1h}\nscrape_configs: []\n", null, "--web.enable-remote-write-receiver");
        var down = false;
        var seen = new List<IHeaderDictionary>();
        using var forward = new HttpClient { BaseAddress = receiver.Url };
        await using var proxy = await TinyHttpServer.StartAsync(async ctx =>
        {
            lock (seen)
            {
                seen.Add(new HeaderDictionary(ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value)));
            }
            if (Volatile.Read(ref down))
            {
                ctx.Response.StatusCode = 503;
                await ctx.Response.WriteAsync("receiver restarting");
                return;
            }
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/write") { Content = new ByteArrayContent(body.ToArray()) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", ctx.Request.ContentType);
            request.Content.Headers.TryAddWithoutValidation("Content-Encoding", ctx.Request.Headers.ContentEncoding.ToString());
            request.Headers.TryAddWithoutValidation(RemoteWriteHeaders.VersionHeader, ctx.Request.Headers[RemoteWriteHeaders.VersionHeader].ToString());
            using var response = await forward.SendAsync(request);
            ctx.Response.StatusCode = (int)response.StatusCode;
            await ctx.Response.WriteAsync(await response.Content.ReadAsStringAsync());
        });
        var scrape = $$"""
            global:
              scrape_interval: 15s
              external_labels: {cluster: test}
            scrape_configs:
              - job_name: app
                static_configs: [{targets: ['127.0.0.1:{{target.Port}}']}]
            remote_write:
              - url: {{proxy.Url}}api/v1/write
                name: prom
                queue_config: {max_samples_per_send: 4, min_backoff: 10ms, max_backoff: 40ms}
                write_relabel_configs:
                  - {source_labels: [__name__], regex: 'scrape_.*', action: drop}
            """;
        await using var app = await CollectionHost.StartAsync(scrape, rulesYaml: Rules);
        var start = app.Time.GetUtcNow().ToUnixTimeMilliseconds();

        for (var i = 0; i < 3; i++)
        {
            await app.ScrapeAndEvaluateAsync();
            app.Time.Advance(TimeSpan.FromSeconds(15));
            await app.Host.InvokeTimerAsync("ForwardRemoteWrite");
        }
        // The receiver fails for a while: nothing is lost, the cursor waits.
        Volatile.Write(ref down, true);
        for (var i = 0; i < 3; i++)
        {
            await app.ScrapeAndEvaluateAsync();
            app.Time.Advance(TimeSpan.FromSeconds(15));
            await app.Host.InvokeTimerAsync("ForwardRemoteWrite");
        }
        Volatile.Write(ref down, false);
        await app.Host.InvokeTimerAsync("ForwardRemoteWrite");

        var ours = await OursAsync(app, start);
        var at = app.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var theirs = await TheirsAsync(receiver, "{cluster=\"test\"}", at);

        Assert.Contains(ours.Keys, k => k.StartsWith("app:value:sum", StringComparison.Ordinal));
        Assert.Contains(ours.Keys, k => k.StartsWith("ALERTS{", StringComparison.Ordinal) && k.Contains("alertstate=\"firing\"", StringComparison.Ordinal));
        Assert.Contains(ours.Keys, k => k.StartsWith("ALERTS_FOR_STATE{", StringComparison.Ordinal));
        Assert.Contains(ours.Keys, k => k.StartsWith("up{", StringComparison.Ordinal));
        Assert.Equal(ours, theirs);
        // The stale marker of the vanished series ends it in the receiver as it ends here.
        Assert.Empty((await receiver.QueryAsync($"app_flappy @ {(start + 30_000) / 1000}")).EnumerateArray());
        lock (seen)
        {
            Assert.True(seen.Count >= 6, $"{seen.Count} requests");
            Assert.All(seen, h =>
            {
                Assert.Equal("snappy", h.ContentEncoding.ToString());
                Assert.Equal("application/x-protobuf", h.ContentType.ToString());
                Assert.Equal("0.1.0", h[RemoteWriteHeaders.VersionHeader].ToString());
                Assert.StartsWith("Alerting.Functions/", h.UserAgent.ToString(), StringComparison.Ordinal);
            });
        }
    }

    /// <summary>Every sample in our log since <paramref name="sinceMs"/> as the receiver should hold it: external label added, scrape_* dropped by write_relabel_configs.</summary>
    private static async Task<Dictionary<string, string>> OursAsync(CollectionHost app, long sinceMs)
    {
        var ticks = await app.Host.Services.GetRequiredService<ScrapeTickStore>().ReadSinceAsync(sinceMs, CancellationToken.None);
        var series = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var s in ticks.SelectMany(t => t.Targets).SelectMany(t => t.Samples).OrderBy(s => s.TimestampMs))
        {
            var name = s.Labels.Get(Labels.MetricName) ?? string.Empty;
            if (name.StartsWith("scrape_", StringComparison.Ordinal) || Sample.IsStaleMarker(s.Value))
            {
                continue;
            }
            var key = s.Labels.With("cluster", "test").ToString();
            if (!series.TryGetValue(key, out var list))
            {
                series[key] = list = [];
            }
            list.Add(Point(s.TimestampMs, s.Value));
        }
        return series.ToDictionary(kv => kv.Key, kv => string.Join(" ", kv.Value));
    }

    /// <summary>The receiver's raw samples of <paramref name="selector"/> over the last 10 minutes before <paramref name="atMs"/>.</summary>
    private static async Task<Dictionary<string, string>> TheirsAsync(RealPrometheus receiver, string selector, long atMs)
    {
        var result = await receiver.QueryAsync($"{selector}[10m] @ {(atMs / 1000.0).ToString(CultureInfo.InvariantCulture)}");
        var series = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in result.EnumerateArray())
        {
            var labels = Labels.From(s.GetProperty("metric").EnumerateObject().Select(p => new Label(p.Name, p.Value.GetString()!)));
            series[labels.ToString()] = string.Join(" ", s.GetProperty("values").EnumerateArray().Select(v =>
                Point((long)Math.Round(v[0].GetDouble() * 1000), double.Parse(v[1].GetString()!, CultureInfo.InvariantCulture))));
        }
        return series.ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    private static string Point(long ms, double value) => $"{value.ToString("R", CultureInfo.InvariantCulture)}@{ms}";
}
