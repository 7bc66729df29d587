using System.Net.Http.Headers;
using Alerting.Core.Model;
using Alerting.Core.Remote.Write;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.StoreBench;

/// <summary>
/// Prometheus remote-write 1.0 requests (prometheus.WriteRequest protobuf, snappy block format) made with
/// Core's <see cref="RemoteWriteCodec"/>.
/// </summary>
internal static class RemoteWrite
{
    /// <summary>
    /// Several ticks as one run of requests: each series once with its samples of all the ticks in time
    /// order, <paramref name="parallel"/> requests in flight. Sending each tick's samples one series at a time
    /// and one request after the other took Prometheus' head about 30,000 samples/s, half an hour for the
    /// 10,000-machine fleet. A series' samples travel in one request, so their order holds. Timestamps move
    /// by <paramref name="shiftMs"/>.
    /// </summary>
    public static async Task<long> SendBatchAsync(HttpClient http, Uri endpoint, IEnumerable<ScrapeTick> ticks, long shiftMs, int seriesPerRequest, int parallel)
    {
        var index = new Dictionary<Labels, int>();
        var labels = new List<Label[]>();
        var samples = new List<List<WriteSample>>();
        long count = 0;
        foreach (var tick in ticks)
        {
            foreach (var target in tick.Targets)
            {
                foreach (var s in target.Samples)
                {
                    if (!index.TryGetValue(s.Labels, out var i))
                    {
                        i = labels.Count;
                        index[s.Labels] = i;
                        labels.Add([.. s.Labels]);
                        samples.Add([]);
                    }
                    samples[i].Add(new WriteSample(s.Value, s.TimestampMs + shiftMs));
                    count++;
                }
            }
        }
        var requests = (labels.Count + seriesPerRequest - 1) / seriesPerRequest;
        await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (r, _) =>
        {
            var from = r * seriesPerRequest;
            var series = new WriteSeries[Math.Min(seriesPerRequest, labels.Count - from)];
            for (var k = 0; k < series.Length; k++)
            {
                series[k] = new WriteSeries(labels[from + k], samples[from + k]);
            }
            await PostAsync(http, endpoint, series);
        });
        return count;
    }

    private static async Task PostAsync(HttpClient http, Uri endpoint, WriteSeries[] series)
    {
        using var content = new ByteArrayContent(RemoteWriteCodec.Encode(new WriteRequest(series, [])));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("snappy");
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
        request.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"remote write: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
