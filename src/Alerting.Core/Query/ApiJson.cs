using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;
using Alerting.Core.PromQL;

namespace Alerting.Core.Query;

/// <summary>An answer of the query API: status code and Prometheus' JSON envelope (or no body for 204).</summary>
public sealed record ApiResponse(int StatusCode, byte[] Body)
{
    public static readonly ApiResponse NoContent = new(204, []);
}

/// <summary>
/// Prometheus' JSON for the HTTP API: the envelope <c>{"status","data","errorType","error"}</c>, sample
/// values as strings formatted like Go's <c>strconv.AppendFloat(v, 'f' or 'e', -1)</c> (<c>"1000000"</c>,
/// <c>"1e-07"</c>, <c>"NaN"</c>, <c>"+Inf"</c>), timestamps as seconds with millisecond decimals.
/// </summary>
public static class ApiJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static ApiResponse Success(Action<Utf8JsonWriter> writeData)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("status", "success");
            w.WritePropertyName("data");
            writeData(w);
            w.WriteEndObject();
        }
        return new ApiResponse(200, buffer.WrittenSpan.ToArray());
    }

    public static ApiResponse Error(ApiErrorType type, string message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("status", "error");
            w.WriteString("errorType", QueryApiException.TypeName(type));
            w.WriteString("error", message);
            w.WriteEndObject();
        }
        return new ApiResponse(QueryApiException.StatusCode(type), buffer.WrittenSpan.ToArray());
    }

    public static ApiResponse Error(QueryApiException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Error(e.Type, e.Message);
    }

    /// <summary><c>{"resultType": ..., "result": ...}</c> of a query.</summary>
    public static void WriteQueryData(Utf8JsonWriter w, QueryValue value)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.WriteStartObject();
        switch (value)
        {
            case ScalarValue s:
                w.WriteString("resultType", "scalar");
                w.WritePropertyName("result");
                WritePoint(w, s.TimestampMs, s.Value);
                break;
            case StringValue str:
                w.WriteString("resultType", "string");
                w.WritePropertyName("result");
                w.WriteStartArray();
                WriteTimestamp(w, str.TimestampMs);
                w.WriteStringValue(str.Value);
                w.WriteEndArray();
                break;
            case VectorValue v:
                w.WriteString("resultType", "vector");
                w.WriteStartArray("result");
                foreach (var sample in v.Samples)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("metric");
                    WriteLabels(w, sample.Labels);
                    if (sample.Histogram is { } h)
                    {
                        w.WritePropertyName("histogram");
                        WriteHistogramPoint(w, sample.TimestampMs, h);
                    }
                    else
                    {
                        w.WritePropertyName("value");
                        WritePoint(w, sample.TimestampMs, sample.Value);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            case MatrixValue m:
                w.WriteString("resultType", "matrix");
                w.WriteStartArray("result");
                foreach (var series in m.Series)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("metric");
                    WriteLabels(w, series.Labels);
                    if (series.Samples.Count > 0)
                    {
                        w.WriteStartArray("values");
                        foreach (var p in series.Samples)
                        {
                            WritePoint(w, p.TimestampMs, p.Value);
                        }
                        w.WriteEndArray();
                    }
                    if (series.Histograms.Count > 0)
                    {
                        w.WriteStartArray("histograms");
                        foreach (var p in series.Histograms)
                        {
                            WriteHistogramPoint(w, p.TimestampMs, p.Histogram);
                        }
                        w.WriteEndArray();
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            default:
                throw new ArgumentException("unknown query value", nameof(value));
        }
        w.WriteEndObject();
    }

    /// <summary>A label set as an object, names in order (Go's encoding of a map sorts its keys).</summary>
    public static void WriteLabels(Utf8JsonWriter w, Labels labels)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(labels);
        w.WriteStartObject();
        foreach (var l in labels.OrderBy(l => l.Name, StringComparer.Ordinal))
        {
            w.WriteString(l.Name, l.Value);
        }
        w.WriteEndObject();
    }

    public static void WriteStrings(Utf8JsonWriter w, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(values);
        w.WriteStartArray();
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    /// <summary>Prometheus' <c>marshalValue</c>: shortest 'f' form, 'e' below 1e-6 or from 1e21 on.</summary>
    public static string FormatValue(double v)
    {
        var abs = Math.Abs(v);
        var fmt = abs != 0 && (abs < 1e-6 || abs >= 1e21) ? 'e' : 'f';
        return GoFloat.Format(v, fmt, -1);
    }

    /// <summary>Prometheus' <c>marshalTimestamp</c>: seconds, and milliseconds as up to three decimals.</summary>
    public static string FormatTimestamp(long ms)
    {
        var sign = ms < 0 ? "-" : string.Empty;
        var abs = ms < 0 ? -(decimal)ms : ms;
        var seconds = decimal.Truncate(abs / 1000);
        var fraction = (long)(abs - (seconds * 1000));
        var text = sign + seconds.ToString(CultureInfo.InvariantCulture);
        return fraction == 0 ? text : text + "." + fraction.ToString("000", CultureInfo.InvariantCulture).TrimEnd('0');
    }

    private static void WriteTimestamp(Utf8JsonWriter w, long ms) => w.WriteRawValue(FormatTimestamp(ms), skipInputValidation: true);

    private static void WritePoint(Utf8JsonWriter w, long ms, double value)
    {
        w.WriteStartArray();
        WriteTimestamp(w, ms);
        w.WriteStringValue(FormatValue(value));
        w.WriteEndArray();
    }

    /// <summary>
    /// A native histogram as Prometheus 2.42 writes it: count, sum and the non-empty buckets as
    /// <c>[boundaries, lower, upper, count]</c> (boundaries: 0 open left, 1 open right, 2 open both, 3 closed).
    /// </summary>
    private static void WriteHistogramPoint(Utf8JsonWriter w, long ms, FloatHistogram h)
    {
        w.WriteStartArray();
        WriteTimestamp(w, ms);
        w.WriteStartObject();
        w.WriteString("count", FormatValue(h.Count));
        w.WriteString("sum", FormatValue(h.Sum));
        var buckets = h.AllBuckets().Where(b => b.Count != 0).ToArray();
        if (buckets.Length > 0)
        {
            w.WriteStartArray("buckets");
            foreach (var b in buckets)
            {
                w.WriteStartArray();
                var rule = (b.LowerInclusive, b.UpperInclusive) switch
                {
                    (false, true) => 0,
                    (true, false) => 1,
                    (false, false) => 2,
                    _ => 3,
                };
                w.WriteNumberValue(rule);
                w.WriteStringValue(FormatValue(b.Lower));
                w.WriteStringValue(FormatValue(b.Upper));
                w.WriteStringValue(FormatValue(b.Count));
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteEndArray();
    }
}
