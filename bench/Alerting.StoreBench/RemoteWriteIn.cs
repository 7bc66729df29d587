using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Alerting.Core.Model;
using Alerting.Core.Remote.Write;
using Alerting.Functions;
using Alerting.Functions.Remote.Write;
using Alerting.Functions.Storage;
using Alerting.LocalServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.StoreBench;

/// <summary>
/// The remote write receiver against Prometheus 2.42's (<c>--web.enable-remote-write-receiver</c>): the
/// same requests (N machines × S series, R rounds 15 s apart ending now, 500 samples a request as
/// Prometheus 2.42's queue sends them, 4 requests in flight like 4 shards) to both. Ours: the receiver
/// in process (decode, check, tick blobs to Azurite over loopback HTTP); Prometheus: over loopback HTTP.
/// </summary>
internal static class RemoteWriteIn
{
    private const int PerRequest = 500;
    private const int InFlight = 4;

    public static async Task RunAsync(int machines, int series, int rounds)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000;
        var bodies = Requests(machines, series, rounds, now - (rounds * 15_000));
        var samples = (long)machines * series * rounds;
        var bytes = bodies.Sum(b => (long)b.Length);
        Console.WriteLine($"{bodies.Count} requests, {samples:N0} samples, {bytes:N0} bytes on the wire ({(double)bytes / samples:0.00} bytes/sample)");

        await using var azurite = await Azurite.StartAsync();
        await using var provider = await AppServices.StartAsync(azurite);
        var receiver = provider.GetRequiredService<RemoteWriteReceiver>();
        var ours = await TimeAsync(bodies, async b =>
        {
            var outcome = await receiver.ReceiveAsync(b, RemoteWriteHeaders.ContentType, RemoteWriteHeaders.Encoding, RemoteWriteHeaders.Version, CancellationToken.None);
            if (outcome.StatusCode != 204)
            {
                throw new InvalidOperationException($"ours: {outcome.StatusCode} {outcome.Error}");
            }
        });

        var dir = Directory.CreateTempSubdirectory("rw-bench-").FullName;
        var port = ExternalProcess.FreePort();
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), "global: {}\n");
        await using var prometheus = ExternalProcess.Start("prometheus", $"--config.file={Path.Combine(dir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(dir, "data")}",
            $"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver", "--log.level=warn");
        await prometheus.WaitForPortAsync(port, TimeSpan.FromMinutes(2));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        while (!(await http.GetAsync("-/ready")).IsSuccessStatusCode)
        {
            await Task.Delay(200);
        }
        var theirs = await TimeAsync(bodies, async b =>
        {
            using var content = new ByteArrayContent(b);
            content.Headers.ContentType = new MediaTypeHeaderValue(RemoteWriteHeaders.ContentType);
            content.Headers.ContentEncoding.Add(RemoteWriteHeaders.Encoding);
            using var response = await http.PostAsync("api/v1/write", content);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"prometheus: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        });
        Directory.Delete(dir, recursive: true);

        Console.WriteLine($"| {machines * series:N0} series × {rounds} rounds, {samples:N0} samples | ours | Prometheus 2.42 | ratio |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| wall time | {ours.TotalMilliseconds:N0} ms | {theirs.TotalMilliseconds:N0} ms | {ours / theirs:0.00}x |");
        Console.WriteLine($"| samples/s | {samples / ours.TotalSeconds:N0} | {samples / theirs.TotalSeconds:N0} | {theirs / ours:0.00}x |");
    }

    private static List<byte[]> Requests(int machines, int series, int rounds, long startMs)
    {
        var labels = new List<Label[]>();
        for (var m = 0; m < machines; m++)
        {
            for (var s = 0; s < series; s++)
            {
                labels.Add([new("__name__", $"node_metric_{s}_total"), new("instance", $"vyx-user-{m:D4}:9100"), new("job", "node")]);
            }
        }
        var bodies = new List<byte[]>();
        for (var r = 0; r < rounds; r++)
        {
            var t = startMs + (r * 15_000);
            for (var i = 0; i < labels.Count; i += PerRequest)
            {
                var batch = labels.Skip(i).Take(PerRequest).Select((l, j) => new WriteSeries(l, [new WriteSample(((r * 37) + i + j) % 1000 * 1.5, t)])).ToArray();
                bodies.Add(RemoteWriteCodec.Encode(new WriteRequest(batch, [])));
            }
        }
        return bodies;
    }

    private static async Task<TimeSpan> TimeAsync(List<byte[]> bodies, Func<byte[], Task> send)
    {
        var sw = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                await send(bodies[i]);
            }
        }));
        return sw.Elapsed;
    }
}
