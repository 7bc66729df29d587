using System.Globalization;
using System.Text.Json;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Rules;

namespace Alerting.Core.Remote;

/// <summary>
/// Reads the Prometheus HTTP API's answer to an instant query (<c>/api/v1/query</c>): the
/// <c>{"status":"success","data":{"resultType":...,"result":...}}</c> envelope, or its error form.
/// Anything else (HTML from a proxy, truncated JSON, a histogram result) is a rule error naming the
/// datasource, never an exception type a user would not understand.
/// </summary>
public static class QueryApiResponse
{
    /// <param name="source">Names the datasource in messages, e.g. <c>datasource "fly" (https://host)</c>.</param>
    public static QueryValue Parse(ReadOnlySpan<byte> body, int statusCode, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            throw new RuleEvaluationException($"{source}: status {statusCode}, answer is not the Prometheus API's JSON: {e.Message}{Snippet(body)}");
        }
        using (doc)
        {
            try
            {
                return Read(doc.RootElement, statusCode, source);
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException or IndexOutOfRangeException)
            {
                throw new RuleEvaluationException($"{source}: status {statusCode}, malformed query answer: {e.Message}");
            }
        }
    }

    private static QueryValue Read(JsonElement root, int statusCode, string source)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var status))
        {
            throw new FormatException("no \"status\" field");
        }
        if (status.GetString() != "success")
        {
            var type = root.TryGetProperty("errorType", out var t) ? t.GetString() : null;
            var error = root.TryGetProperty("error", out var m) ? m.GetString() : null;
            throw new RuleEvaluationException($"{source}: status {statusCode}: {(type is null ? string.Empty : type + ": ")}{error ?? "query failed"}");
        }
        if (statusCode is < 200 or > 299)
        {
            throw new RuleEvaluationException($"{source}: status {statusCode}");
        }
        var data = root.GetProperty("data");
        var resultType = data.GetProperty("resultType").GetString();
        var result = data.GetProperty("result");
        switch (resultType)
        {
            case "vector":
                {
                    var samples = new List<VectorSample>(result.GetArrayLength());
                    foreach (var e in result.EnumerateArray())
                    {
                        if (!e.TryGetProperty("value", out var v))
                        {
                            throw new FormatException(e.TryGetProperty("histogram", out _)
                                ? "native histogram samples are not supported from a remote datasource"
                                : "a vector element has no \"value\"");
                        }
                        var (ts, value) = Point(v);
                        samples.Add(new VectorSample(Metric(e.GetProperty("metric")), ts, value));
                    }
                    return new VectorValue(samples);
                }
            case "matrix":
                {
                    // Range selectors answer with raw samples; the restore of ALERTS_FOR_STATE reads them.
                    var series = new List<Series>(result.GetArrayLength());
                    foreach (var e in result.EnumerateArray())
                    {
                        var points = e.TryGetProperty("values", out var values)
                            ? values.EnumerateArray().Select(v => Point(v)).Select(p => new Sample(p.Item1, p.Item2)).ToArray()
                            : throw new FormatException("native histogram samples are not supported from a remote datasource");
                        series.Add(new Series(Metric(e.GetProperty("metric")), points));
                    }
                    return new MatrixValue(series);
                }
            case "scalar":
                {
                    var (ts, value) = Point(result);
                    return new ScalarValue(ts, value);
                }
            case "string":
                return new StringValue((long)Math.Round(result[0].GetDouble() * 1000), result[1].GetString() ?? string.Empty);
            default:
                throw new FormatException($"result type \"{resultType}\" is not an instant vector, range vector or scalar");
        }
    }

    private static Labels Metric(JsonElement metric)
    {
        var labels = new List<Label>();
        foreach (var p in metric.EnumerateObject())
        {
            labels.Add(new Label(p.Name, p.Value.GetString() ?? string.Empty));
        }
        return Labels.From(labels);
    }

    private static (long TimestampMs, double Value) Point(JsonElement pair)
    {
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
        {
            throw new FormatException("a sample is not a [time, \"value\"] pair");
        }
        var ts = (long)Math.Round(pair[0].GetDouble() * 1000);
        return (ts, ParseValue(pair[1].GetString() ?? throw new FormatException("a sample value is not a string")));
    }

    /// <summary>Go's strconv.ParseFloat forms Prometheus writes: decimals, exponents, NaN, +Inf, -Inf.</summary>
    public static double ParseValue(string s) => s switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new FormatException($"sample value \"{s}\" is not a number"),
    };

    private static string Snippet(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return " (empty body)";
        }
        var text = System.Text.Encoding.UTF8.GetString(body[..Math.Min(body.Length, 120)]).ReplaceLineEndings(" ");
        return $" (body starts \"{text}\")";
    }
}
