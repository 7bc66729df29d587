using System.Text;
using Alerting.Core.Exposition;
using Alerting.Core.Model;
using Google.Protobuf;
using Snappier;

namespace Alerting.Core.Remote.Write;

/// <summary>
/// The remote write 1.0 wire format: a <c>prometheus.WriteRequest</c> protobuf, Snappy block-compressed
/// (not the framed stream format). The messages are mapped by hand with Google.Protobuf's
/// <see cref="CodedInputStream"/>/<see cref="CodedOutputStream"/>, as the scrape protobuf is
/// (<see cref="ProtobufExposition"/>): the schema (prompb/remote.proto, types.proto) is five small,
/// frozen messages, and reading fields directly avoids an object graph per sample. Every malformed body
/// ends in a <see cref="RemoteWriteException"/> with status 400 and a reason; nothing else escapes.
/// </summary>
public static class RemoteWriteCodec
{
    /// <summary>The largest body accepted once decompressed; Prometheus sends a few hundred KiB at most.</summary>
    public const int DefaultMaxDecodedBytes = 64 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static ReadOnlySpan<byte> FramedStreamHeader => [0xff, 0x06, 0x00, 0x00, (byte)'s', (byte)'N', (byte)'a', (byte)'P', (byte)'p', (byte)'Y'];

    /// <summary>Decompresses and decodes a request body.</summary>
    public static WriteRequest Decode(ReadOnlySpan<byte> body, int maxDecodedBytes = DefaultMaxDecodedBytes) =>
        DecodeProto(Decompress(body, maxDecodedBytes));

    /// <summary>Encodes and compresses a request, as Prometheus' remote write client sends it.</summary>
    public static byte[] Encode(WriteRequest request) => Snappy.CompressToArray(EncodeProto(request));

    public static byte[] Decompress(ReadOnlySpan<byte> body, int maxDecodedBytes = DefaultMaxDecodedBytes)
    {
        if (body.StartsWith(FramedStreamHeader))
        {
            throw new RemoteWriteException("snappy: corrupt input: the body is in Snappy's framed (stream) format; remote write uses the block format");
        }
        int length;
        try
        {
            length = Snappy.GetUncompressedLength(body);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw new RemoteWriteException("snappy: corrupt input: the body is not Snappy block-compressed");
        }
        if (length < 0)
        {
            throw new RemoteWriteException("snappy: corrupt input: the declared length is out of range");
        }
        if (length > maxDecodedBytes)
        {
            throw new RemoteWriteException(413, $"snappy: decoded length {length} exceeds the limit of {maxDecodedBytes} bytes");
        }
        var decoded = new byte[length];
        try
        {
            if (!Snappy.TryDecompress(body, decoded, out var written) || written != length)
            {
                throw new RemoteWriteException("snappy: corrupt input");
            }
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw new RemoteWriteException("snappy: corrupt input");
        }
        return decoded;
    }

    public static WriteRequest DecodeProto(byte[] proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var series = new List<WriteSeries>();
        var metadata = new List<MetricMetadata>();
        try
        {
            var input = new CodedInputStream(proto);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1:
                        Expect(tag, WireFormat.WireType.LengthDelimited, "WriteRequest.timeseries");
                        series.Add(ReadSeries(input.ReadBytes(), series.Count));
                        break;
                    case 3:
                        Expect(tag, WireFormat.WireType.LengthDelimited, "WriteRequest.metadata");
                        metadata.Add(ReadMetadata(input.ReadBytes()));
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RemoteWriteException($"proto: cannot parse WriteRequest: {e.Message}");
        }
        return new WriteRequest(series, metadata);
    }

    private static WriteSeries ReadSeries(ByteString bytes, int index)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        var labels = new List<Label>();
        var samples = new List<WriteSample>();
        int exemplars = 0, histograms = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    Expect(tag, WireFormat.WireType.LengthDelimited, "TimeSeries.labels");
                    labels.Add(ReadLabel(input.ReadBytes(), index));
                    break;
                case 2:
                    Expect(tag, WireFormat.WireType.LengthDelimited, "TimeSeries.samples");
                    samples.Add(ReadSample(input.ReadBytes()));
                    break;
                case 3:
                    exemplars++;
                    input.SkipLastField();
                    break;
                case 4:
                    histograms++;
                    input.SkipLastField();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new WriteSeries(labels, samples, exemplars, histograms);
    }

    private static Label ReadLabel(ByteString bytes, int series)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        string name = string.Empty, value = string.Empty;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    Expect(tag, WireFormat.WireType.LengthDelimited, "Label.name");
                    name = Utf8(input.ReadBytes(), series, "label name");
                    break;
                case 2:
                    Expect(tag, WireFormat.WireType.LengthDelimited, "Label.value");
                    value = Utf8(input.ReadBytes(), series, "label value");
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new Label(name, value);
    }

    private static WriteSample ReadSample(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        double value = 0;
        long ts = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    Expect(tag, WireFormat.WireType.Fixed64, "Sample.value");
                    value = input.ReadDouble();
                    break;
                case 2:
                    Expect(tag, WireFormat.WireType.Varint, "Sample.timestamp");
                    ts = input.ReadInt64();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new WriteSample(value, ts);
    }

    private static MetricMetadata ReadMetadata(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        var type = MetricType.Unknown;
        string family = string.Empty;
        string? help = null, unit = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    Expect(tag, WireFormat.WireType.Varint, "MetricMetadata.type");
                    type = FromWire(input.ReadEnum());
                    break;
                case 2:
                    Expect(tag, WireFormat.WireType.LengthDelimited, "MetricMetadata.metric_family_name");
                    family = Utf8(input.ReadBytes(), -1, "metric family name");
                    break;
                case 4:
                    Expect(tag, WireFormat.WireType.LengthDelimited, "MetricMetadata.help");
                    help = Utf8(input.ReadBytes(), -1, "help");
                    break;
                case 5:
                    Expect(tag, WireFormat.WireType.LengthDelimited, "MetricMetadata.unit");
                    unit = Utf8(input.ReadBytes(), -1, "unit");
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new MetricMetadata(family, type, help, string.IsNullOrEmpty(unit) ? null : unit);
    }

    public static byte[] EncodeProto(WriteRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer, leaveOpen: true);
        foreach (var s in request.Series)
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteLength(SeriesSize(s));
            foreach (var l in s.Labels)
            {
                output.WriteTag(1, WireFormat.WireType.LengthDelimited);
                output.WriteLength(LabelSize(l));
                WriteLabelFields(output, l);
            }
            foreach (var x in s.Samples)
            {
                output.WriteTag(2, WireFormat.WireType.LengthDelimited);
                output.WriteLength(SampleSize(x));
                WriteSampleFields(output, x);
            }
        }
        foreach (var m in request.Metadata)
        {
            output.WriteTag(3, WireFormat.WireType.LengthDelimited);
            output.WriteLength(MetadataSize(m));
            if (ToWire(m.Type) is var type and not 0)
            {
                output.WriteTag(1, WireFormat.WireType.Varint);
                output.WriteEnum(type);
            }
            WriteString(output, 2, m.Family);
            WriteString(output, 4, m.Help ?? string.Empty);
            WriteString(output, 5, m.Unit ?? string.Empty);
        }
        output.Flush();
        return buffer.ToArray();
    }

    private static int SeriesSize(WriteSeries s)
    {
        var size = 0;
        foreach (var l in s.Labels)
        {
            var n = LabelSize(l);
            size += 1 + CodedOutputStream.ComputeLengthSize(n) + n;
        }
        foreach (var x in s.Samples)
        {
            var n = SampleSize(x);
            size += 1 + CodedOutputStream.ComputeLengthSize(n) + n;
        }
        return size;
    }

    // proto3 leaves zero values out, as Go's generated marshaller does.
    private static int LabelSize(Label l) => StringSize(l.Name) + StringSize(l.Value);

    private static int SampleSize(WriteSample x) =>
        (BitConverter.DoubleToInt64Bits(x.Value) != 0 ? 9 : 0) + (x.TimestampMs != 0 ? 1 + CodedOutputStream.ComputeInt64Size(x.TimestampMs) : 0);

    private static int MetadataSize(MetricMetadata m) =>
        (ToWire(m.Type) is var t and not 0 ? 1 + CodedOutputStream.ComputeEnumSize(t) : 0) + StringSize(m.Family) + StringSize(m.Help ?? string.Empty) + StringSize(m.Unit ?? string.Empty);

    private static int StringSize(string s) => s.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(s);

    private static void WriteLabelFields(CodedOutputStream output, Label l)
    {
        WriteString(output, 1, l.Name);
        WriteString(output, 2, l.Value);
    }

    private static void WriteSampleFields(CodedOutputStream output, WriteSample x)
    {
        if (BitConverter.DoubleToInt64Bits(x.Value) != 0)
        {
            output.WriteTag(1, WireFormat.WireType.Fixed64);
            output.WriteDouble(x.Value);
        }
        if (x.TimestampMs != 0)
        {
            output.WriteTag(2, WireFormat.WireType.Varint);
            output.WriteInt64(x.TimestampMs);
        }
    }

    private static void WriteString(CodedOutputStream output, int field, string value)
    {
        if (value.Length > 0)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteString(value);
        }
    }

    private static void Expect(uint tag, WireFormat.WireType type, string field)
    {
        if (WireFormat.GetTagWireType(tag) != type)
        {
            throw new RemoteWriteException($"proto: wrong wire type {(int)WireFormat.GetTagWireType(tag)} for field {field}");
        }
    }

    private static string Utf8(ByteString bytes, int series, string what)
    {
        try
        {
            return StrictUtf8.GetString(bytes.Span);
        }
        catch (DecoderFallbackException)
        {
            var where = series >= 0 ? $" in time series {series + 1}" : " in metadata";
            throw new RemoteWriteException($"invalid UTF-8 in a {what}{where}");
        }
    }

    private static MetricType FromWire(int type) => type switch
    {
        1 => MetricType.Counter,
        2 => MetricType.Gauge,
        3 => MetricType.Histogram,
        4 => MetricType.GaugeHistogram,
        5 => MetricType.Summary,
        6 => MetricType.Info,
        7 => MetricType.StateSet,
        _ => MetricType.Unknown,
    };

    private static int ToWire(MetricType type) => type switch
    {
        MetricType.Counter => 1,
        MetricType.Gauge => 2,
        MetricType.Histogram => 3,
        MetricType.GaugeHistogram => 4,
        MetricType.Summary => 5,
        MetricType.Info => 6,
        MetricType.StateSet => 7,
        _ => 0,
    };
}
