using Alerting.Core.Exposition;
using Alerting.Core.Model;
using Alerting.Core.Remote.Write;
using Google.Protobuf;
using Snappier;

namespace Alerting.Core.Tests.Remote.Write;

public sealed class RemoteWriteCodecTests
{
    private static WriteSeries Series(string name, params (long T, double V)[] samples) =>
        new([new Label("__name__", name), new Label("instance", "vm-1:9100"), new Label("job", "node")], [.. samples.Select(s => new WriteSample(s.V, s.T))]);

    [Fact]
    public void A_request_survives_encode_and_decode_with_stale_markers_and_metadata()
    {
        var request = new WriteRequest(
            [Series("up", (1_700_000_000_000, 1), (1_700_000_015_000, Sample.StaleNaN)), Series("node_load1", (1_700_000_000_000, 0), (-5, -2.5))],
            [new MetricMetadata("node_load1", MetricType.Gauge, "1m load average.", null)]);
        var decoded = RemoteWriteCodec.Decode(RemoteWriteCodec.Encode(request));
        Assert.Equal(2, decoded.Series.Count);
        Assert.Equal(request.Series[0].Labels, decoded.Series[0].Labels);
        Assert.Equal(1_700_000_015_000, decoded.Series[0].Samples[1].TimestampMs);
        Assert.Equal(BitConverter.DoubleToInt64Bits(Sample.StaleNaN), BitConverter.DoubleToInt64Bits(decoded.Series[0].Samples[1].Value));
        Assert.Equal(new WriteSample(0, 1_700_000_000_000), decoded.Series[1].Samples[0]);
        Assert.Equal(new WriteSample(-2.5, -5), decoded.Series[1].Samples[1]);
        Assert.Equal(request.Metadata, decoded.Metadata);
    }

    [Fact]
    public void The_wire_bytes_are_those_of_prometheus_generated_marshaller()
    {
        // prompb.WriteRequest{Timeseries: [{Labels: [{__name__ up}], Samples: [{Value: 1, Timestamp: 1000}]}]}
        // as gogo/protobuf marshals it (fields in number order, zero values left out).
        var expected = Convert.FromHexString("0A1E" + "0A0E" + "0A085F5F6E616D655F5F1202" + "7570" + "120C" + "09000000000000F03F" + "10E807");
        var proto = RemoteWriteCodec.EncodeProto(new WriteRequest([new WriteSeries([new Label("__name__", "up")], [new WriteSample(1, 1000)])], []));
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(proto));
    }

    [Fact]
    public void Exemplars_and_histograms_are_counted_and_unknown_fields_skipped()
    {
        var series = new byte[] { 0x0A, 0x06, 0x0A, 0x01, (byte)'a', 0x12, 0x01, (byte)'b' } // label a=b
            .Concat(new byte[] { 0x1A, 0x00 }) // an empty exemplar
            .Concat(new byte[] { 0x22, 0x00 }) // an empty histogram
            .Concat(new byte[] { 0x78, 0x05 }) // field 15, varint: unknown
            .ToArray();
        var proto = new byte[] { 0x0A, (byte)series.Length }.Concat(series).ToArray();
        var decoded = RemoteWriteCodec.Decode(Snappy.CompressToArray(proto));
        Assert.Equal(1, decoded.Series[0].Exemplars);
        Assert.Equal(1, decoded.Series[0].Histograms);
        Assert.Equal([new Label("a", "b")], decoded.Series[0].Labels);
    }

    [Theory]
    [InlineData("not snappy at all")]
    [InlineData("")]
    public void A_body_that_is_not_snappy_block_format_is_refused_with_400(string body)
    {
        var e = Assert.Throws<RemoteWriteException>(() => RemoteWriteCodec.Decode(System.Text.Encoding.UTF8.GetBytes(body)));
        Assert.Equal(400, e.StatusCode);
        Assert.StartsWith("snappy: corrupt input", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_framed_snappy_stream_is_refused_naming_the_block_format()
    {
        using var buffer = new MemoryStream();
        using (var framed = new SnappyStream(buffer, System.IO.Compression.CompressionMode.Compress, leaveOpen: true))
        {
            framed.Write(RemoteWriteCodec.EncodeProto(new WriteRequest([Series("up", (1, 1))], [])));
        }
        var e = Assert.Throws<RemoteWriteException>(() => RemoteWriteCodec.Decode(buffer.ToArray()));
        Assert.Equal(400, e.StatusCode);
        Assert.Contains("block format", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snappy_body_declaring_a_huge_length_is_refused_before_decompressing()
    {
        var bomb = new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00 };
        var e = Assert.Throws<RemoteWriteException>(() => RemoteWriteCodec.Decode(bomb, maxDecodedBytes: 1 << 20));
        Assert.True(e.StatusCode is 400 or 413, e.Message);
    }

    [Theory]
    [InlineData("0A05", "proto: cannot parse WriteRequest")] // length 5, nothing follows
    [InlineData("0D00000000", "proto: wrong wire type 5 for field WriteRequest.timeseries")]
    [InlineData("0A04" + "1202" + "0800", "proto: wrong wire type 0 for field Sample.value")]
    [InlineData("0A06" + "0A04" + "0A02C328", "invalid UTF-8 in a label name in time series 1")]
    public void A_malformed_protobuf_is_refused_with_400_and_the_reason(string hex, string reason)
    {
        var e = Assert.Throws<RemoteWriteException>(() => RemoteWriteCodec.Decode(Snappy.CompressToArray(Convert.FromHexString(hex))));
        Assert.Equal(400, e.StatusCode);
        Assert.StartsWith(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Round_trip_through_google_protobuf_reader_of_a_generated_style_request()
    {
        // Encoded with CodedOutputStream the long way (as protoc's output would), read back by the codec.
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        var label = ByteString.CopyFrom(Convert.FromHexString("0A085F5F6E616D655F5F12026F6B"));
        var sample = ByteString.CopyFrom(Convert.FromHexString("0900000000000000401002"));
        var series = new MemoryStream();
        var so = new CodedOutputStream(series);
        so.WriteTag(2, WireFormat.WireType.LengthDelimited);
        so.WriteBytes(sample);
        so.WriteTag(1, WireFormat.WireType.LengthDelimited);
        so.WriteBytes(label);
        so.Flush();
        o.WriteTag(1, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(series.ToArray()));
        o.Flush();
        var decoded = RemoteWriteCodec.DecodeProto(ms.ToArray());
        Assert.Equal([new Label("__name__", "ok")], decoded.Series[0].Labels);
        Assert.Equal([new WriteSample(2, 2)], decoded.Series[0].Samples);
    }
}
