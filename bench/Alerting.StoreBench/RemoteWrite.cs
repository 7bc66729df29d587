using System.Net.Http.Headers;
using Alerting.Core.Remote.Write;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.StoreBench;

/// <summary>
/// Prometheus remote-write 1.0 requests (prometheus.WriteRequest protobuf, snappy block format) made with
/// Core's <see cref="RemoteWriteCodec"/>.
/// </summary>
internal static class RemoteWrite
{
    public static async Task SendAsync(HttpClient http, Uri endpoint, ScrapeTick tick, int seriesPerRequest)
    {
        var samples = tick.Targets.SelectMany(t => t.Samples).ToArray();
        for (var i = 0; i < samples.Length; i += seriesPerRequest)
        {
            var body = Encode(samples.AsSpan(i, Math.Min(seriesPerRequest, samples.Length - i)));
            using var content = new ByteArrayContent(body);
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

    private static byte[] Encode(ReadOnlySpan<CollectedSample> samples)
    {
        var series = new WriteSeries[samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            series[i] = new WriteSeries([.. samples[i].Labels], [new WriteSample(samples[i].Value, samples[i].TimestampMs)]);
        }
        return RemoteWriteCodec.Encode(new WriteRequest(series, []));
    }
}
