using System.Globalization;
using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

using Alerting.Core.PromQL;

namespace Alerting.Tooling.PromQL;

/// <summary>
/// One value of a series written in test notation: a float, a stale marker, an omitted step or a native histogram
/// (<see cref="Histogram"/>; <see cref="HintSet"/> when its description named a counter_reset_hint).
/// </summary>
public readonly record struct SequenceValue(double Value, bool Omitted, bool IsHistogram)
{
    public FloatHistogram? Histogram { get; init; }

    public bool HintSet { get; init; }
}

/// <summary>
/// Parses the series notation of Prometheus' test scripts: <c>metric{a="b"} 0+10x5 _ stale 1x3 -2+3x4</c>.
/// </summary>
public static class SeriesNotation
{
    /// <summary>Splits a line into its series description and its values text.</summary>
    public static (string Description, string Values) SplitLine(string line)
    {
        var s = line.Trim();
        var i = 0;
        if (s.StartsWith("{{", StringComparison.Ordinal))
        {
            return (string.Empty, s);
        }
        while (i < s.Length && (Lexer.IsIdentChar(s[i]) || s[i] == '.'))
        {
            i++;
        }
        if (i < s.Length && s[i] == '{')
        {
            var quote = '\0';
            for (; i < s.Length; i++)
            {
                var c = s[i];
                if (quote != '\0')
                {
                    if (c == '\\')
                    {
                        i++;
                    }
                    else if (c == quote)
                    {
                        quote = '\0';
                    }
                }
                else if (c is '"' or '\'' or '`')
                {
                    quote = c;
                }
                else if (c == '}')
                {
                    i++;
                    break;
                }
            }
        }
        return (s[..i], s[i..].Trim());
    }

    public static Labels ParseLabels(string description)
    {
        var d = description.Trim();
        if (d.Length == 0 || d == "{}")
        {
            return Labels.Empty;
        }
        var expr = PromQlParser.Parse(d);
        if (expr is not VectorSelector vs)
        {
            throw new FormatException("not a series description: " + description);
        }
        var labels = new List<Label>();
        foreach (var m in vs.Matchers)
        {
            if (m.Type != MatcherType.Equal)
            {
                throw new FormatException("series descriptions only allow '=' matchers: " + description);
            }
            labels.Add(new Label(m.Name, m.Value));
        }
        return Labels.From(labels);
    }

    public static List<SequenceValue> ParseValues(string text)
    {
        var result = new List<SequenceValue>();
        foreach (var item in Items(text))
        {
            if (item.StartsWith("{{", StringComparison.Ordinal))
            {
                result.AddRange(ParseHistogramItem(item));
                continue;
            }
            if (item == "_")
            {
                result.Add(new SequenceValue(0, true, false));
                continue;
            }
            if (item == "stale")
            {
                result.Add(new SequenceValue(Sample.StaleNaN, false, false));
                continue;
            }
            if (item.StartsWith("_x", StringComparison.Ordinal))
            {
                var n = int.Parse(item.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture);
                for (var j = 0; j < n; j++)
                {
                    result.Add(new SequenceValue(0, true, false));
                }
                continue;
            }
            var xPos = item.LastIndexOf('x');
            if (xPos > 0 && int.TryParse(item.AsSpan(xPos + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                var head = item[..xPos];
                var (start, inc) = SplitIncrement(head);
                if (start == "stale")
                {
                    for (var j = 0; j <= count; j++)
                    {
                        result.Add(new SequenceValue(Sample.StaleNaN, false, false));
                    }
                    continue;
                }
                var a = ParseFloat(start);
                var b = inc is null ? 0 : ParseFloat(inc);
                var value = a;
                for (var j = 0; j <= count; j++)
                {
                    result.Add(new SequenceValue(value, false, false));
                    value += b;
                }
                continue;
            }
            result.Add(new SequenceValue(ParseFloat(item), false, false));
        }
        return result;
    }

    /// <summary><c>{{...}}</c>, <c>{{...}}xN</c>, <c>{{a}}+{{b}}xN</c> or <c>{{a}}-{{b}}xN</c> (Prometheus' histogram series items).</summary>
    private static IEnumerable<SequenceValue> ParseHistogramItem(string item)
    {
        var close = item.IndexOf("}}", StringComparison.Ordinal);
        if (close < 0)
        {
            throw new FormatException("unterminated histogram: " + item);
        }
        var (first, firstHint) = ParseHistogram(item[2..close]);
        var rest = item[(close + 2)..];
        if (rest.Length == 0)
        {
            return [new SequenceValue(0, false, true) { Histogram = first, HintSet = firstHint }];
        }
        if (rest[0] == 'x')
        {
            var n = int.Parse(rest.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture);
            return Enumerable.Repeat(new SequenceValue(0, false, true) { Histogram = first, HintSet = firstHint }, n + 1);
        }
        if (rest[0] is not ('+' or '-') || !rest[1..].StartsWith("{{", StringComparison.Ordinal))
        {
            throw new FormatException("invalid histogram series item: " + item);
        }
        var sub = rest[0] == '-';
        var close2 = rest.IndexOf("}}", StringComparison.Ordinal);
        var (inc, incHint) = ParseHistogram(rest[3..close2]);
        var tail = rest[(close2 + 2)..];
        if (!tail.StartsWith('x'))
        {
            throw new FormatException("expected xN after histogram increment: " + item);
        }
        var times = int.Parse(tail.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture);
        // As Prometheus' parser: the hint flag is that of the increment, the last histogram described.
        var list = new List<SequenceValue> { new(0, false, true) { Histogram = first, HintSet = incHint } };
        var cur = first;
        for (var i = 1; i <= times; i++)
        {
            if (cur.Schema > inc.Schema)
            {
                throw new FormatException($"error combining histograms: cannot merge from schema {inc.Schema} to {cur.Schema}");
            }
            cur = sub ? cur.Sub(inc).Result : cur.Add(inc).Result;
            list.Add(new SequenceValue(0, false, true) { Histogram = cur, HintSet = incHint });
        }
        _ = firstHint;
        return list;
    }

    /// <summary>The inside of <c>{{schema:1 sum:5 count:4 z_bucket:1 z_bucket_w:0.001 buckets:[1 2] offset:-1 n_buckets:[..] n_offset:0 custom_values:[..] counter_reset_hint:gauge}}</c>.</summary>
    public static (FloatHistogram Histogram, bool HintSet) ParseHistogram(string desc)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < desc.Length)
        {
            while (i < desc.Length && char.IsWhiteSpace(desc[i]))
            {
                i++;
            }
            if (i >= desc.Length)
            {
                break;
            }
            var colon = desc.IndexOf(':', i);
            if (colon < 0)
            {
                throw new FormatException("invalid histogram description: " + desc);
            }
            var key = desc[i..colon].Trim();
            i = colon + 1;
            string value;
            if (i < desc.Length && desc[i] == '[')
            {
                var end = desc.IndexOf(']', i);
                value = desc[i..(end + 1)];
                i = end + 1;
            }
            else
            {
                var start = i;
                while (i < desc.Length && !char.IsWhiteSpace(desc[i]))
                {
                    i++;
                }
                value = desc[start..i];
            }
            if (!fields.TryAdd(key, value))
            {
                throw new FormatException($"duplicate key \"{key}\" in histogram");
            }
        }
        var hintSet = false;
        var hint = CounterResetHint.Unknown;
        if (fields.TryGetValue("counter_reset_hint", out var hintText))
        {
            hintSet = true;
            hint = hintText switch
            {
                "unknown" => CounterResetHint.Unknown,
                "reset" => CounterResetHint.CounterReset,
                "not_reset" => CounterResetHint.NotCounterReset,
                "gauge" => CounterResetHint.Gauge,
                _ => throw new FormatException("error parsing counter_reset_hint: " + hintText),
            };
        }
        var h = new FloatHistogram
        {
            Schema = fields.TryGetValue("schema", out var schema) ? int.Parse(schema, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0,
            Sum = Number("sum"),
            Count = Number("count"),
            ZeroCount = Number("z_bucket"),
            ZeroThreshold = Number("z_bucket_w"),
            CustomValues = fields.TryGetValue("custom_values", out var cv) ? List(cv) : null,
            CounterResetHint = hint,
            Positive = Buckets("buckets", "offset"),
            Negative = Buckets("n_buckets", "n_offset"),
        };
        return (h, hintSet);

        double Number(string key) => fields.TryGetValue(key, out var v) ? ParseFloat(v) : 0;

        double[] List(string v) => v.Trim('[', ']').Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ParseFloat).ToArray();

        HistogramBucket[] Buckets(string key, string offsetKey)
        {
            if (!fields.TryGetValue(key, out var v))
            {
                return [];
            }
            var counts = List(v);
            var offset = fields.TryGetValue(offsetKey, out var o) ? int.Parse(o, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
            var result = new HistogramBucket[counts.Length];
            for (var k = 0; k < counts.Length; k++)
            {
                result[k] = new HistogramBucket(offset + k, counts[k]);
            }
            return result;
        }
    }

    /// <summary>"a+b" / "a-b" into its start and signed increment; a leading sign belongs to the start.</summary>
    private static (string Start, string? Increment) SplitIncrement(string head)
    {
        for (var i = 1; i < head.Length; i++)
        {
            if (head[i] is '+' or '-' && head[i - 1] is not ('e' or 'E'))
            {
                var inc = head[(i + 1)..];
                return (head[..i], head[i] == '-' ? "-" + inc : inc);
            }
        }
        return (head, null);
    }

    public static double ParseFloat(string s)
    {
        if (s.StartsWith("-0x", StringComparison.OrdinalIgnoreCase) && Evaluator.TryParseGoFloat(s[1..], out var neg))
        {
            return -neg;
        }
        if (Evaluator.TryParseGoFloat(s, out var v))
        {
            return v;
        }
        throw new FormatException($"invalid value \"{s}\"");
    }

    private static IEnumerable<string> Items(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            if (i >= text.Length)
            {
                yield break;
            }
            var start = i;
            var depth = 0;
            while (i < text.Length && (depth > 0 || !char.IsWhiteSpace(text[i])))
            {
                if (text[i] == '{')
                {
                    depth++;
                }
                else if (text[i] == '}')
                {
                    depth--;
                }
                i++;
            }
            yield return text[start..i];
        }
    }
}
