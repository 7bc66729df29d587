using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Alerting.Core.Model;
using Alerting.Core.Remote.Write;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions;
using Alerting.Functions.Remote.Write;
using Alerting.Functions.Storage;
using Alerting.Functions.Tsdb;
using Alerting.LocalServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.StoreBench;

/// <summary>
/// remote_write out against Prometheus 2.42's own sender, both writing the same series to one real
/// Prometheus 2.42 receiver. Ours: N machines × S series, R scrape ticks 15 s apart ending now in the tick
/// log on Azurite, then <see cref="RemoteWriteForwarder"/> (read ticks, encode, send, advance the cursor)
/// timed until the receiver has taken every tick. Prometheus: a second Prometheus that receives the same
/// samples by remote write and forwards them with <c>remote_write</c> (max_samples_per_send 500,
/// batch_send_deadline 100ms), timed from the first sample pushed in until its
/// <c>prometheus_remote_storage_samples_total</c> counts them all (its samples are timestamped after its start: its WAL
/// watcher skips older ones); bytes from its
/// <c>prometheus_remote_storage_bytes_total</c>.
/// </summary>
internal static class RemoteWriteOut
{
    public static async Task RunAsync(int machines, int series, int rounds)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000;
        var start = now - (rounds * 15_000);
        var samples = (long)machines * series * rounds;

        await using var receiver = await StartPrometheusAsync("global: {}\n");
        await using var azurite = await Azurite.StartAsync();
        await using var provider = await AppServices.StartAsync(azurite);
        var log = provider.GetRequiredService<ScrapeTickStore>();
        for (var r = 0; r < rounds; r++)
        {
            var t = start + (r * 15_000);
            var targets = Enumerable.Range(0, machines).Select(m => new TargetSamples($"vyx-user-{m:D4}:9100",
                Enumerable.Range(0, series).Select(s => new CollectedSample(Labels.From(("__name__", $"node_metric_{s}_total"), ("instance", $"vyx-user-{m:D4}:9100"), ("job", "node")), Value(r, m, s), t)).ToArray())).ToArray();
            await log.WriteAsync(new ScrapeTick("node", t, targets), CancellationToken.None);
        }
        var forwarder = provider.GetRequiredService<RemoteWriteForwarder>();
        var config = new RemoteWriteConfig { Url = new Uri(receiver.Url, "api/v1/write"), Name = "bench" };
        var sw = Stopwatch.StartNew();
        long sent = 0, bytes = 0;
        var requests = 0;
        while (true)
        {
            var result = await forwarder.ForwardAsync(config, Labels.Empty, CancellationToken.None);
            if (result.Stalled)
            {
                throw new InvalidOperationException("ours: the receiver refused a request");
            }
            if (result.TicksDone == 0)
            {
                break;
            }
            sent += result.Samples;
            bytes += result.Bytes;
            requests += result.Requests;
        }
        var ours = sw.Elapsed;
        if (sent != samples)
        {
            throw new InvalidOperationException($"ours: sent {sent} of {samples} samples");
        }

        // Prometheus' sender: it takes the same samples in by remote write and forwards them from its WAL.
        await using var sender = await StartPrometheusAsync($"global: {{}}\nremote_write:\n  - url: {receiver.Url}api/v1/write\n    queue_config: {{max_samples_per_send: 500, batch_send_deadline: 100ms}}\n");
        // Its WAL watcher forwards only samples newer than the sender's start, so this leg's ticks start now.
        var later = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000) + 1000;
        var bodies = Enumerable.Range(0, rounds).SelectMany(r => Enumerable.Range(0, (machines * series + 499) / 500).Select(i => RemoteWriteCodec.Encode(new WriteRequest(
            Enumerable.Range(i * 500, Math.Min(500, (machines * series) - (i * 500))).Select(k => new WriteSeries(
                [new("__name__", $"node_metric_{k % series}_total"), new("instance", $"vyx-user-{k / series:D4}:9100"), new("job", "node")],
                [new WriteSample(Value(r, k / series, k % series), later + (r * 15_000))])).ToArray(), [])))).ToList();
        var before = await CounterAsync(sender.Client, "prometheus_remote_storage_samples_total");
        var bytesBefore = await CounterAsync(sender.Client, "prometheus_remote_storage_bytes_total");
        sw.Restart();
        foreach (var b in bodies)
        {
            using var content = new ByteArrayContent(b);
            content.Headers.ContentType = new MediaTypeHeaderValue(RemoteWriteHeaders.ContentType);
            content.Headers.ContentEncoding.Add(RemoteWriteHeaders.Encoding);
            using var response = await sender.Client.PostAsync("api/v1/write", content);
            response.EnsureSuccessStatusCode();
        }
        var ingested = sw.Elapsed;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        double theirSamples;
        while ((theirSamples = await CounterAsync(sender.Client, "prometheus_remote_storage_samples_total") - before) < samples && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        var theirs = sw.Elapsed;
        var theirBytes = await CounterAsync(sender.Client, "prometheus_remote_storage_bytes_total") - bytesBefore;

        Console.WriteLine($"| {machines * series:N0} series × {rounds} ticks, {samples:N0} samples | ours | Prometheus 2.42 | ratio |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| samples forwarded | {sent:N0} in {requests} requests | {theirSamples:N0} | |");
        Console.WriteLine($"| wall time | {ours.TotalMilliseconds:N0} ms | {theirs.TotalMilliseconds:N0} ms (of which {ingested.TotalMilliseconds:N0} ms taking them in) | {ours / theirs:0.00}x |");
        Console.WriteLine($"| samples/s | {samples / ours.TotalSeconds:N0} | {samples / theirs.TotalSeconds:N0} | {theirs / ours:0.00}x |");
        Console.WriteLine($"| bytes/sample on the wire | {(double)bytes / sent:0.00} | {theirBytes / Math.Max(1, theirSamples):0.00} | {(double)bytes / sent / (theirBytes / Math.Max(1, theirSamples)):0.00}x |");
    }

    private static double Value(int round, int machine, int series) => ((round * 37) + (machine * 10) + series) % 1000 * 1.5;

    private static Task<RealPrometheus> StartPrometheusAsync(string config) =>
        RealPrometheus.StartAsync(config, null, "--web.enable-remote-write-receiver", "--log.level=warn");

    private static async Task<double> CounterAsync(HttpClient client, string name)
    {
        var text = await client.GetStringAsync("metrics");
        return text.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal) && !l.StartsWith('#'))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }
}
