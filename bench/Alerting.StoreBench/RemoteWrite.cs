using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Text;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.StoreBench;

/// <summary>
/// Prometheus remote-write 1.0 requests (prometheus.WriteRequest protobuf, snappy block format), written
/// by hand: the bench only sends float samples, and a literal-only snappy stream is valid snappy.
/// </summary>
internal static class RemoteWrite
{
    public static async Task SendAsync(HttpClient http, Uri endpoint, ScrapeTick tick, int seriesPerRequest)
    {
        var samples = tick.Targets.SelectMany(t => t.Samples).ToArray();
        for (var i = 0; i < samples.Length; i += seriesPerRequest)
        {
            var body = Snappy(Encode(samples.AsSpan(i, Math.Min(seriesPerRequest, samples.Length - i))));
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
        using var ms = new MemoryStream();
        Span<byte> d = stackalloc byte[8];
        foreach (var s in samples)
        {
            using var series = new MemoryStream();
            foreach (var l in s.Labels)
            {
                var label = new MemoryStream();
                String(label, 1, l.Name);
                String(label, 2, l.Value);
                Bytes(series, 1, label.ToArray());
            }
            var sample = new MemoryStream();
            sample.WriteByte(0x09);
            BinaryPrimitives.WriteDoubleLittleEndian(d, s.Value);
            sample.Write(d);
            sample.WriteByte(0x10);
            Varint(sample, (ulong)s.TimestampMs);
            Bytes(series, 2, sample.ToArray());
            Bytes(ms, 1, series.ToArray());
        }
        return ms.ToArray();
    }

    private static void String(Stream s, int field, string value) => Bytes(s, field, Encoding.UTF8.GetBytes(value));

    private static void Bytes(Stream s, int field, byte[] value)
    {
        s.WriteByte((byte)((field << 3) | 2));
        Varint(s, (ulong)value.Length);
        s.Write(value);
    }

    private static void Varint(Stream s, ulong v)
    {
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        s.WriteByte((byte)v);
    }

    /// <summary>Snappy's block format with literals only: the length, then chunks of up to 64 KiB each tagged as a literal.</summary>
    private static byte[] Snappy(byte[] input)
    {
        using var ms = new MemoryStream(input.Length + 16 + (input.Length / 65536 * 3));
        Varint(ms, (ulong)input.Length);
        for (var i = 0; i < input.Length; i += 65536)
        {
            var n = Math.Min(65536, input.Length - i);
            ms.WriteByte(61 << 2);
            ms.WriteByte((byte)((n - 1) & 0xff));
            ms.WriteByte((byte)((n - 1) >> 8));
            ms.Write(input, i, n);
        }
        return ms.ToArray();
    }
}
