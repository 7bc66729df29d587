using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;
using Alerting.Core.PromQL;
using Google.Protobuf;

namespace Alerting.Core.Exposition;

/// <summary>How to read a protobuf body, as Prometheus' scrape options decide.</summary>
/// <param name="NativeHistograms">Keep native histograms (<c>scrape_native_histograms</c>); off, histograms are read as classic buckets only.</param>
/// <param name="ClassicHistograms">Also keep the classic buckets of a histogram that has native buckets (<c>always_scrape_classic_histograms</c>).</param>
/// <param name="ConvertClassicToNhcb">Read classic-only histograms as native histograms with custom buckets (<c>convert_classic_histograms_to_nhcb</c>).</param>
public sealed record ProtobufOptions(bool NativeHistograms = true, bool ClassicHistograms = false, bool ConvertClassicToNhcb = false);

/// <summary>
/// The Prometheus protobuf exposition (<c>application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
/// encoding=delimited</c>): varint-length-delimited <c>io.prometheus.client.MetricFamily</c> messages. Decoded with
/// Google.Protobuf's <see cref="CodedInputStream"/> field by field rather than generated classes: the schema
/// (metrics.proto) is small and stable, protoc would be a build-time native tool, and reading fields directly
/// lets a histogram go straight into <see cref="FloatHistogram"/> without an intermediate object graph. Produces the
/// same series as Prometheus' protobuf parser: counters/gauges/untyped by family name, summaries as
/// <c>_sum</c>/<c>_count</c>/<c>quantile</c> series, histograms as one native histogram sample when they carry
/// native buckets, else as <c>_bucket</c>/<c>_sum</c>/<c>_count</c> series.
/// </summary>
public static class ProtobufExposition
{
    public const string ContentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    /// <summary>True for the delimited MetricFamily media type (parameters in any order and spacing).</summary>
    public static bool IsProtobuf(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }
        var parts = contentType.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !parts[0].Equals("application/vnd.google.protobuf", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        string? proto = null, encoding = null;
        foreach (var p in parts.Skip(1))
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                continue;
            }
            var key = p[..eq].Trim().ToLowerInvariant();
            var value = p[(eq + 1)..].Trim().Trim('"');
            if (key == "proto")
            {
                proto = value;
            }
            else if (key == "encoding")
            {
                encoding = value;
            }
        }
        return proto == "io.prometheus.client.MetricFamily" && encoding == "delimited";
    }

    private enum FamilyType
    {
        Counter = 0,
        Gauge = 1,
        Summary = 2,
        Untyped = 3,
        Histogram = 4,
        GaugeHistogram = 5,
    }

    public static ScrapeResult Parse(ReadOnlySpan<byte> body, ProtobufOptions? options = null) => Parse(body, options, rejectDuplicates: true);

    /// <summary>The Pushgateway checks duplicates itself, after grouping labels are applied.</summary>
    internal static ScrapeResult Parse(ReadOnlySpan<byte> body, ProtobufOptions? options, bool rejectDuplicates)
    {
        options ??= new ProtobufOptions();
        var samples = new List<ScrapedSample>();
        var metadata = new Dictionary<string, MetricMetadata>(StringComparer.Ordinal);
        var seen = new HashSet<Labels>();
        var input = new CodedInputStream(body.ToArray());
        var index = 0;
        try
        {
            while (!input.IsAtEnd)
            {
                index++;
                var message = input.ReadBytes();
                if (message.Length == 0)
                {
                    throw new ExpositionParseException(index, "empty metric family");
                }
                ReadFamily(new CodedInputStream(message.ToByteArray()), index, options, samples, metadata, rejectDuplicates ? seen : null);
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ExpositionParseException(index, "invalid protobuf: " + e.Message);
        }
        return new ScrapeResult(ExpositionFormat.Protobuf, samples, metadata);
    }

    private sealed class Family
    {
        public string Name = string.Empty;
        public string? Help;
        public string? Unit;
        public FamilyType Type;
        public List<ByteString> Metrics { get; } = [];
    }

    private static void ReadFamily(CodedInputStream input, int index, ProtobufOptions options, List<ScrapedSample> samples, Dictionary<string, MetricMetadata> metadata, HashSet<Labels>? seen)
    {
        var f = new Family();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    f.Name = input.ReadString();
                    break;
                case 2:
                    f.Help = input.ReadString();
                    break;
                case 3:
                    f.Type = (FamilyType)input.ReadEnum();
                    break;
                case 4:
                    f.Metrics.Add(input.ReadBytes());
                    break;
                case 5:
                    f.Unit = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        if (f.Name.Length == 0)
        {
            throw new ExpositionParseException(index, "metric family has no name");
        }
        if (!Enum.IsDefined(f.Type))
        {
            throw new ExpositionParseException(index, $"metric family {f.Name} has unknown type {(int)f.Type}");
        }
        metadata[f.Name] = new MetricMetadata(f.Name, f.Type switch
        {
            FamilyType.Counter => MetricType.Counter,
            FamilyType.Gauge => MetricType.Gauge,
            FamilyType.Summary => MetricType.Summary,
            FamilyType.Histogram => MetricType.Histogram,
            FamilyType.GaugeHistogram => MetricType.GaugeHistogram,
            _ => MetricType.Untyped,
        }, string.IsNullOrEmpty(f.Help) ? null : f.Help, string.IsNullOrEmpty(f.Unit) ? null : f.Unit);
        foreach (var m in f.Metrics)
        {
            ReadMetric(new CodedInputStream(m.ToByteArray()), f, index, options, samples, seen);
        }
    }

    private sealed class HistogramFields
    {
        public ulong SampleCount;
        public double SampleCountFloat;
        public double SampleSum;
        public List<(ulong Count, double CountFloat, double Upper)> Buckets { get; } = [];
        public int Schema;
        public double ZeroThreshold;
        public ulong ZeroCount;
        public double ZeroCountFloat;
        public List<HistogramSpan> NegativeSpans { get; } = [];
        public List<long> NegativeDeltas { get; } = [];
        public List<double> NegativeCounts { get; } = [];
        public List<HistogramSpan> PositiveSpans { get; } = [];
        public List<long> PositiveDeltas { get; } = [];
        public List<double> PositiveCounts { get; } = [];

        public bool IsNative => PositiveSpans.Count > 0 || NegativeSpans.Count > 0 || ZeroThreshold > 0 || ZeroCount > 0;

        public double Count => SampleCountFloat != 0 ? SampleCountFloat : SampleCount;
    }

    private static void ReadMetric(CodedInputStream input, Family f, int index, ProtobufOptions options, List<ScrapedSample> samples, HashSet<Labels>? seen)
    {
        var labels = new List<Label>();
        double value = 0;
        long timestampMs = 0;
        ulong summaryCount = 0;
        double summarySum = 0;
        var quantiles = new List<(double Q, double V)>();
        HistogramFields? h = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    labels.Add(ReadLabel(input.ReadBytes()));
                    break;
                case 2 or 3 or 5:
                    value = ReadValue(input.ReadBytes());
                    break;
                case 4:
                    (summaryCount, summarySum) = ReadSummary(input.ReadBytes(), quantiles);
                    break;
                case 6:
                    timestampMs = input.ReadInt64();
                    break;
                case 7:
                    h = ReadHistogram(input.ReadBytes());
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        long? ts = timestampMs != 0 ? timestampMs : null;
        switch (f.Type)
        {
            case FamilyType.Counter or FamilyType.Gauge or FamilyType.Untyped:
                Add(f.Name, null, null, value);
                break;
            case FamilyType.Summary:
                Add(f.Name + "_count", null, null, summaryCount);
                Add(f.Name + "_sum", null, null, summarySum);
                foreach (var (q, v) in quantiles)
                {
                    Add(f.Name, "quantile", Evaluator.FormatOpenMetricsFloat(q), v);
                }
                break;
            default:
                {
                    h ??= new HistogramFields();
                    var gauge = f.Type == FamilyType.GaugeHistogram;
                    var native = options.NativeHistograms && h.IsNative;
                    if (native)
                    {
                        AddHistogram(f.Name, ToNative(h, gauge, index, f.Name));
                    }
                    if (!native && options.ConvertClassicToNhcb)
                    {
                        var converter = new ClassicHistogramConverter();
                        converter.SetCount(h.Count);
                        converter.SetSum(h.SampleSum);
                        foreach (var (c, cf, upper) in h.Buckets)
                        {
                            converter.SetBucketCount(upper, cf != 0 ? cf : c);
                        }
                        var (nhcb, error) = converter.Convert();
                        if (nhcb is null)
                        {
                            throw new ExpositionParseException(index, $"histogram {f.Name}: {error}");
                        }
                        AddHistogram(f.Name, gauge ? nhcb with { CounterResetHint = CounterResetHint.Gauge } : nhcb);
                        if (!options.ClassicHistograms)
                        {
                            break;
                        }
                    }
                    if (native && !(options.ClassicHistograms && h.Buckets.Count > 0))
                    {
                        break;
                    }
                    Add(f.Name + "_count", null, null, h.Count);
                    Add(f.Name + "_sum", null, null, h.SampleSum);
                    var hasInf = false;
                    foreach (var (c, cf, upper) in h.Buckets)
                    {
                        Add(f.Name + "_bucket", "le", Evaluator.FormatOpenMetricsFloat(upper), cf != 0 ? cf : c);
                        hasInf |= double.IsPositiveInfinity(upper);
                    }
                    if (!hasInf)
                    {
                        Add(f.Name + "_bucket", "le", "+Inf", h.Count);
                    }
                    break;
                }
        }

        void Add(string name, string? extraName, string? extraValue, double v)
        {
            var all = new List<Label>(labels.Count + 2) { new(Labels.MetricName, name) };
            all.AddRange(labels);
            if (extraName is not null)
            {
                all.Add(new Label(extraName, extraValue!));
            }
            Emit(new ScrapedSample(Build(all), v, ts));
        }

        void AddHistogram(string name, FloatHistogram histogram)
        {
            var all = new List<Label>(labels.Count + 1) { new(Labels.MetricName, name) };
            all.AddRange(labels);
            Emit(new ScrapedSample(Build(all), 0, ts) { Histogram = histogram });
        }

        Labels Build(List<Label> all)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var l in all)
            {
                if (!names.Add(l.Name))
                {
                    throw new ExpositionParseException(index, $"metric {f.Name} has duplicate label name \"{l.Name}\"");
                }
                if (l.Name.Length == 0)
                {
                    throw new ExpositionParseException(index, $"metric {f.Name} has an empty label name");
                }
            }
            return Labels.From(all.Where(l => l.Value.Length > 0));
        }

        void Emit(ScrapedSample s)
        {
            if (seen is not null && !seen.Add(s.Labels))
            {
                throw new ExpositionParseException(index, "duplicate series " + s.Labels);
            }
            samples.Add(s);
        }
    }

    private static FloatHistogram ToNative(HistogramFields h, bool gauge, int index, string name)
    {
        var isFloat = h.SampleCountFloat > 0 || h.ZeroCountFloat > 0;
        try
        {
            var histogram = new FloatHistogram
            {
                Schema = h.Schema,
                ZeroThreshold = h.ZeroThreshold,
                ZeroCount = isFloat ? h.ZeroCountFloat : h.ZeroCount,
                Count = isFloat ? h.SampleCountFloat : h.SampleCount,
                Sum = h.SampleSum,
                Positive = isFloat ? FloatHistogram.FromSpans(h.PositiveSpans, h.PositiveCounts) : FloatHistogram.FromDeltas(h.PositiveSpans, h.PositiveDeltas),
                Negative = isFloat ? FloatHistogram.FromSpans(h.NegativeSpans, h.NegativeCounts) : FloatHistogram.FromDeltas(h.NegativeSpans, h.NegativeDeltas),
                CounterResetHint = gauge ? CounterResetHint.Gauge : CounterResetHint.Unknown,
            };
            if (histogram.Validate() is { } error)
            {
                throw new ExpositionParseException(index, $"histogram {name}: {error}");
            }
            return histogram.Compact();
        }
        catch (HistogramException e)
        {
            throw new ExpositionParseException(index, $"histogram {name}: {e.Message}");
        }
    }

    private static Label ReadLabel(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        string name = string.Empty, value = string.Empty;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    name = input.ReadString();
                    break;
                case 2:
                    value = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new Label(name, value);
    }

    /// <summary>Gauge, Counter and Untyped all carry their value in field 1.</summary>
    private static double ReadValue(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        double value = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1 && WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64)
            {
                value = input.ReadDouble();
            }
            else
            {
                input.SkipLastField();
            }
        }
        return value;
    }

    private static (ulong Count, double Sum) ReadSummary(ByteString bytes, List<(double Q, double V)> quantiles)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        ulong count = 0;
        double sum = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    count = input.ReadUInt64();
                    break;
                case 2:
                    sum = input.ReadDouble();
                    break;
                case 3:
                    {
                        var q = new CodedInputStream(input.ReadBytes().ToByteArray());
                        double quantile = 0, value = 0;
                        uint t;
                        while ((t = q.ReadTag()) != 0)
                        {
                            switch (WireFormat.GetTagFieldNumber(t))
                            {
                                case 1:
                                    quantile = q.ReadDouble();
                                    break;
                                case 2:
                                    value = q.ReadDouble();
                                    break;
                                default:
                                    q.SkipLastField();
                                    break;
                            }
                        }
                        quantiles.Add((quantile, value));
                        break;
                    }
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return (count, sum);
    }

    private static HistogramFields ReadHistogram(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        var h = new HistogramFields();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var packed = WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    h.SampleCount = input.ReadUInt64();
                    break;
                case 2:
                    h.SampleSum = input.ReadDouble();
                    break;
                case 3:
                    h.Buckets.Add(ReadBucket(input.ReadBytes()));
                    break;
                case 4:
                    h.SampleCountFloat = input.ReadDouble();
                    break;
                case 5:
                    h.Schema = input.ReadSInt32();
                    break;
                case 6:
                    h.ZeroThreshold = input.ReadDouble();
                    break;
                case 7:
                    h.ZeroCount = input.ReadUInt64();
                    break;
                case 8:
                    h.ZeroCountFloat = input.ReadDouble();
                    break;
                case 9:
                    h.NegativeSpans.Add(ReadSpan(input.ReadBytes()));
                    break;
                case 10:
                    if (packed)
                    {
                        ReadPacked(input.ReadBytes(), x => h.NegativeDeltas.Add(x.ReadSInt64()));
                    }
                    else
                    {
                        h.NegativeDeltas.Add(input.ReadSInt64());
                    }
                    break;
                case 11:
                    if (packed)
                    {
                        ReadPacked(input.ReadBytes(), x => h.NegativeCounts.Add(x.ReadDouble()));
                    }
                    else
                    {
                        h.NegativeCounts.Add(input.ReadDouble());
                    }
                    break;
                case 12:
                    h.PositiveSpans.Add(ReadSpan(input.ReadBytes()));
                    break;
                case 13:
                    if (packed)
                    {
                        ReadPacked(input.ReadBytes(), x => h.PositiveDeltas.Add(x.ReadSInt64()));
                    }
                    else
                    {
                        h.PositiveDeltas.Add(input.ReadSInt64());
                    }
                    break;
                case 14:
                    if (packed)
                    {
                        ReadPacked(input.ReadBytes(), x => h.PositiveCounts.Add(x.ReadDouble()));
                    }
                    else
                    {
                        h.PositiveCounts.Add(input.ReadDouble());
                    }
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return h;
    }

    private static void ReadPacked(ByteString bytes, Action<CodedInputStream> readOne)
    {
        var sub = new CodedInputStream(bytes.ToByteArray());
        while (!sub.IsAtEnd)
        {
            readOne(sub);
        }
    }

    private static (ulong Count, double CountFloat, double Upper) ReadBucket(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        ulong count = 0;
        double countFloat = 0, upper = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    count = input.ReadUInt64();
                    break;
                case 2:
                    upper = input.ReadDouble();
                    break;
                case 4:
                    countFloat = input.ReadDouble();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return (count, countFloat, upper);
    }

    private static HistogramSpan ReadSpan(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        int offset = 0;
        uint length = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    offset = input.ReadSInt32();
                    break;
                case 2:
                    length = input.ReadUInt32();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new HistogramSpan(offset, length);
    }
}
