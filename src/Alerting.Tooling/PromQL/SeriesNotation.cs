using System.Globalization;
using Alerting.Core.Model;

using Alerting.Core.PromQL;

namespace Alerting.Tooling.PromQL;

/// <summary>One value of a series written in test notation: a float, a stale marker, an omitted step or a native histogram.</summary>
public readonly record struct SequenceValue(double Value, bool Omitted, bool IsHistogram);

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
                var times = 0;
                var close = item.LastIndexOf("}}", StringComparison.Ordinal);
                var rest = close >= 0 ? item[(close + 2)..] : string.Empty;
                if (rest.StartsWith('x') && int.TryParse(rest.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    times = n;
                }
                else if (rest.Length > 0)
                {
                    // Histogram increments such as {{...}}+{{...}}x3: treat as histograms for every step.
                    var x = rest.LastIndexOf('x');
                    if (x >= 0 && int.TryParse(rest.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var m))
                    {
                        times = m;
                    }
                }
                for (var j = 0; j <= times; j++)
                {
                    result.Add(new SequenceValue(0, false, true));
                }
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
