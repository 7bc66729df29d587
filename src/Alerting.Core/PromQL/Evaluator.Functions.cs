using System.Text;
using System.Text.RegularExpressions;
using Alerting.Core.Model;

namespace Alerting.Core.PromQL;

internal sealed partial class Evaluator
{
    private EvalValue EvalCall(Call c, long ts)
    {
        var name = c.Function.Name;
        switch (name)
        {
            case "time":
                return new ScalarResult(ts / 1000.0);
            case "pi":
                return new ScalarResult(Math.PI);
            case "step":
                return new ScalarResult(_stepMs / 1000.0);
            case "range":
                return new ScalarResult((_endMs - _startMs) / 1000.0);
            case "start":
                return new ScalarResult(_startMs / 1000.0);
            case "end":
                return new ScalarResult(_endMs / 1000.0);
            case "min_of" or "max_of":
                {
                    var acc = EvalScalarArg(c.Args[0], ts);
                    for (var i = 1; i < c.Args.Count; i++)
                    {
                        var x = EvalScalarArg(c.Args[i], ts);
                        acc = name == "min_of" ? Math.Min(acc, x) : Math.Max(acc, x);
                    }
                    return new ScalarResult(acc);
                }
            case "vector":
                return new VectorResult([new VSample(Labels.Empty, EvalScalarArg(c.Args[0], ts), ts, false)]);
            case "scalar":
                {
                    // Histograms are ignored: scalar() of one float and any number of histograms is that float.
                    var v = EvalVectorArg(c.Args[0], ts);
                    double value = double.NaN;
                    var found = 0;
                    foreach (var s in v)
                    {
                        if (s.H is null)
                        {
                            found++;
                            value = s.F;
                        }
                    }
                    return new ScalarResult(found == 1 ? value : double.NaN);
                }
            case "absent":
                {
                    var v = EvalVectorArg(c.Args[0], ts);
                    return new VectorResult(v.Count > 0 ? [] : [new VSample(AbsentLabels(c.Args[0]), 1, ts, false)]);
                }
            case "absent_over_time":
                {
                    var m = (MatrixResult)Eval(c.Args[0], ts);
                    return new VectorResult(m.Series.Count > 0 ? [] : [new VSample(AbsentLabels(c.Args[0]), 1, ts, false)]);
                }
            case "timestamp":
                {
                    var v = EvalVectorArg(c.Args[0], ts);
                    var useSampleTime = Unwrap(c.Args[0]) is VectorSelector;
                    var result = new List<VSample>(v.Count);
                    foreach (var s in v)
                    {
                        result.Add(new VSample(s.Metric, (useSampleTime ? s.T : ts) / 1000.0, ts, true));
                    }
                    return new VectorResult(result);
                }
            case "sort" or "sort_desc":
                {
                    SortInRangeWarning(c);
                    var v = EvalVectorArg(c.Args[0], ts).FindAll(static s => s.H is null);
                    var desc = name == "sort_desc";
                    var idx = v.Select((s, i) => (s, i)).ToList();
                    idx.Sort((x, y) =>
                    {
                        var r = CompareForK(x.s.F, y.s.F, desc);
                        return r != 0 ? r : x.i.CompareTo(y.i);
                    });
                    return new VectorResult(idx.ConvertAll(x => x.s));
                }
            case "sort_by_label" or "sort_by_label_desc":
                SortInRangeWarning(c);
                return SortByLabel(c, ts, name == "sort_by_label_desc");
            case "label_replace":
                return LabelReplace(c, ts);
            case "label_join":
                return LabelJoin(c, ts);
            case "histogram_quantile":
                return HistogramQuantile(c, ts);
            case "histogram_quantiles":
                return HistogramQuantiles(c, ts);
            case "histogram_fraction":
                return HistogramFraction(c, ts);
            case "histogram_count" or "histogram_sum" or "histogram_avg" or "histogram_stddev" or "histogram_stdvar":
                return SimpleHistogramFunction(c, ts);
            case "day_of_month" or "day_of_week" or "day_of_year" or "days_in_month" or "hour" or "minute" or "month" or "year":
                return DateFunction(c, ts);
            case "clamp" or "clamp_min" or "clamp_max" or "round":
                return ClampOrRound(c, ts);
        }
        if (c.Function.ArgTypes.Length == 1 && c.Function.ArgTypes[0] == PromQlValueType.Vector)
        {
            var fn = MathFunction(name);
            var v = EvalVectorArg(c.Args[0], ts);
            var result = new List<VSample>(v.Count);
            foreach (var s in v)
            {
                if (s.H is null)
                {
                    result.Add(new VSample(s.Metric, fn(s.F), ts, true));
                }
            }
            return new VectorResult(result);
        }
        return EvalRangeFunction(c, ts);
    }

    private static Expr Unwrap(Expr e) => e is ParenExpr p ? Unwrap(p.Inner) : e;

    private void SortInRangeWarning(Call c)
    {
        if (_startMs != _endMs)
        {
            Annotations.Warn("sort is ineffective for range queries since results are always ordered by labels", c.Position);
        }
    }

    private static Labels AbsentLabels(Expr arg)
    {
        IReadOnlyList<LabelMatcher> matchers = arg switch
        {
            VectorSelector vs => vs.Matchers,
            MatrixSelector ms => ms.Vector.Matchers,
            _ => [],
        };
        var dict = new Dictionary<string, string>(StringComparer.Ordinal);
        var has = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in matchers)
        {
            if (m.Name == Labels.MetricName)
            {
                continue;
            }
            if (m.Type == MatcherType.Equal && has.Add(m.Name))
            {
                dict[m.Name] = m.Value;
            }
            else
            {
                dict.Remove(m.Name);
            }
        }
        return dict.Count == 0 ? Labels.Empty : Labels.From(dict);
    }

    private static Func<double, double> MathFunction(string name) => name switch
    {
        "abs" => Math.Abs,
        "ceil" => Math.Ceiling,
        "floor" => Math.Floor,
        "exp" => Math.Exp,
        "sqrt" => Math.Sqrt,
        "ln" => Math.Log,
        "log2" => Math.Log2,
        "log10" => Math.Log10,
        "sgn" => static v => v > 0 ? 1 : v < 0 ? -1 : v,
        "deg" => static v => v * 180 / Math.PI,
        "rad" => static v => v * Math.PI / 180,
        "acos" => Math.Acos,
        "acosh" => Math.Acosh,
        "asin" => Math.Asin,
        "asinh" => Math.Asinh,
        "atan" => Math.Atan,
        "atanh" => Math.Atanh,
        "cos" => Math.Cos,
        "cosh" => Math.Cosh,
        "sin" => Math.Sin,
        "sinh" => Math.Sinh,
        "tan" => Math.Tan,
        "tanh" => Math.Tanh,
        _ => throw new PromQlEvaluationException($"function \"{name}\" is not implemented"),
    };

    private EvalValue ClampOrRound(Call c, long ts)
    {
        var v = EvalVectorArg(c.Args[0], ts);
        Func<double, double> fn;
        switch (c.Function.Name)
        {
            case "clamp":
                {
                    var min = EvalScalarArg(c.Args[1], ts);
                    var max = EvalScalarArg(c.Args[2], ts);
                    if (max < min)
                    {
                        return new VectorResult([]);
                    }
                    fn = x => Math.Max(min, Math.Min(max, x));
                    break;
                }
            case "clamp_min":
                {
                    var min = EvalScalarArg(c.Args[1], ts);
                    fn = x => Math.Max(min, x);
                    break;
                }
            case "clamp_max":
                {
                    var max = EvalScalarArg(c.Args[1], ts);
                    fn = x => Math.Min(max, x);
                    break;
                }
            default:
                {
                    var toNearest = c.Args.Count > 1 ? EvalScalarArg(c.Args[1], ts) : 1;
                    // Rounding via the inverse avoids float drift for fractional steps like 0.1, as Prometheus does.
                    var inverse = 1 / toNearest;
                    fn = x => Math.Floor((x * inverse) + 0.5) / inverse;
                    break;
                }
        }
        var result = new List<VSample>(v.Count);
        foreach (var s in v)
        {
            if (s.H is null)
            {
                result.Add(new VSample(s.Metric, fn(s.F), ts, true));
            }
        }
        return new VectorResult(result);
    }

    private EvalValue DateFunction(Call c, long ts)
    {
        List<VSample> v = c.Args.Count == 0
            ? [new VSample(Labels.Empty, ts / 1000.0, ts, false)]
            : EvalVectorArg(c.Args[0], ts);
        var result = new List<VSample>(v.Count);
        foreach (var s in v)
        {
            if (s.H is not null)
            {
                continue;
            }
            if (!double.IsFinite(s.F) || Math.Abs(s.F) >= 9.2e18)
            {
                result.Add(new VSample(s.Metric, double.NaN, ts, true));
                continue;
            }
            // Go's time.Unix(int64(f), 0).UTC(): truncate to whole seconds, any year (DateTime stops at 9999).
            var seconds = (long)s.F;
            var days = Math.DivRem(seconds, 86_400L, out var secondOfDay);
            if (secondOfDay < 0)
            {
                days--;
                secondOfDay += 86_400;
            }
            var (year, month, day) = CivilFromDays(days);
            double value = c.Function.Name switch
            {
                "day_of_month" => day,
                "day_of_week" => (((days % 7) + 11) % 7),
                "day_of_year" => days - DaysFromCivil(year, 1, 1) + 1,
                "days_in_month" => DaysInMonth(year, month),
                "hour" => secondOfDay / 3600,
                "minute" => secondOfDay % 3600 / 60,
                "month" => month,
                _ => year,
            };
            result.Add(new VSample(s.Metric, value, ts, true));
        }
        return new VectorResult(result);
    }

    /// <summary>Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days).</summary>
    private static (long Year, int Month, int Day) CivilFromDays(long z)
    {
        z += 719_468;
        var era = (z >= 0 ? z : z - 146_096) / 146_097;
        var doe = z - (era * 146_097);
        var yoe = (doe - (doe / 1460) + (doe / 36_524) - (doe / 146_096)) / 365;
        var doy = doe - ((365 * yoe) + (yoe / 4) - (yoe / 100));
        var mp = ((5 * doy) + 2) / 153;
        var day = (int)(doy - (((153 * mp) + 2) / 5) + 1);
        var month = (int)(mp < 10 ? mp + 3 : mp - 9);
        return ((yoe + (era * 400)) + (month <= 2 ? 1 : 0), month, day);
    }

    private static long DaysFromCivil(long y, int m, int d)
    {
        y -= m <= 2 ? 1 : 0;
        var era = (y >= 0 ? y : y - 399) / 400;
        var yoe = y - (era * 400);
        var doy = ((153 * (m > 2 ? m - 3 : m + 9)) + 2) / 5 + d - 1;
        var doe = (yoe * 365) + (yoe / 4) - (yoe / 100) + doy;
        return (era * 146_097) + doe - 719_468;
    }

    private static int DaysInMonth(long year, int month) => month switch
    {
        2 => (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    private EvalValue SortByLabel(Call c, long ts, bool desc)
    {
        var v = EvalVectorArg(c.Args[0], ts);
        var names = new List<string>();
        for (var i = 1; i < c.Args.Count; i++)
        {
            names.Add(((StringResult)Eval(c.Args[i], ts)).Value);
        }
        var sorted = new List<VSample>(v);
        sorted.Sort((a, b) =>
        {
            foreach (var n in names)
            {
                var r = NaturalCompare(a.Metric[n], b.Metric[n]);
                if (r != 0)
                {
                    return desc ? -r : r;
                }
            }
            var full = LabelOps.Compare(a.Metric, b.Metric);
            return desc ? -full : full;
        });
        return new VectorResult(sorted);
    }

    /// <summary>Orders digit runs by numeric value ("2" before "10"), like the natural sort Prometheus uses for sort_by_label.</summary>
    private static int NaturalCompare(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
            {
                var si = i;
                var sj = j;
                while (i < a.Length && char.IsAsciiDigit(a[i]))
                {
                    i++;
                }
                while (j < b.Length && char.IsAsciiDigit(b[j]))
                {
                    j++;
                }
                var na = a[si..i].TrimStart('0');
                var nb = b[sj..j].TrimStart('0');
                if (na.Length != nb.Length)
                {
                    return na.Length.CompareTo(nb.Length);
                }
                var r = string.CompareOrdinal(na, nb);
                if (r != 0)
                {
                    return r;
                }
                continue;
            }
            if (a[i] != b[j])
            {
                return a[i].CompareTo(b[j]);
            }
            i++;
            j++;
        }
        return (a.Length - i).CompareTo(b.Length - j);
    }

    private EvalValue LabelReplace(Call c, long ts)
    {
        var v = EvalVectorArg(c.Args[0], ts);
        var dst = ((StringResult)Eval(c.Args[1], ts)).Value;
        var repl = ((StringResult)Eval(c.Args[2], ts)).Value;
        var src = ((StringResult)Eval(c.Args[3], ts)).Value;
        var pattern = ((StringResult)Eval(c.Args[4], ts)).Value;
        Regex regex;
        try
        {
            regex = new Regex(@"\A(?s:" + TranslateRe2(pattern) + @")\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw new PromQlEvaluationException("invalid regular expression in label_replace(): " + pattern, ex);
        }
        if (!LabelOps.IsValidLabelName(dst))
        {
            throw new PromQlEvaluationException("invalid destination label name in label_replace(): " + dst);
        }
        var result = new List<VSample>(v.Count);
        foreach (var s in v)
        {
            var m = regex.Match(s.Metric[src]);
            if (!m.Success)
            {
                result.Add(s);
                continue;
            }
            var value = ExpandTemplate(repl, m, regex);
            var metric = LabelOps.Set(s.Metric, dst, value);
            result.Add(s with { Metric = metric, DropName = s.DropName && dst != Labels.MetricName });
        }
        return new VectorResult(result);
    }

    /// <summary>
    /// Go's RE2 spells named groups <c>(?P&lt;name&gt;...)</c>, which .NET does not accept; the anchors above use
    /// \A and \z because .NET's $ would also match before a trailing newline.
    /// </summary>
    internal static string TranslateRe2(string pattern) => LabelMatcher.TranslateRe2(pattern);

    /// <summary>Go's regexp.Expand: <c>$1</c>, <c>${name}</c>, <c>$$</c>; a name takes the longest run of word characters.</summary>
    private static string ExpandTemplate(string template, Match m, Regex regex)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var ch = template[i];
            if (ch != '$' || i + 1 >= template.Length)
            {
                sb.Append(ch);
                continue;
            }
            var next = template[i + 1];
            if (next == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }
            string name;
            int end;
            if (next == '{')
            {
                var close = template.IndexOf('}', i + 2);
                if (close < 0)
                {
                    sb.Append(ch);
                    continue;
                }
                name = template[(i + 2)..close];
                end = close;
                if (name.Length == 0 || !IsWordOnly(name))
                {
                    sb.Append(ch);
                    continue;
                }
            }
            else
            {
                var j = i + 1;
                while (j < template.Length && (char.IsAsciiLetterOrDigit(template[j]) || template[j] == '_'))
                {
                    j++;
                }
                if (j == i + 1)
                {
                    sb.Append(ch);
                    continue;
                }
                name = template[(i + 1)..j];
                end = j - 1;
            }
            if (int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var num))
            {
                if (num < m.Groups.Count && m.Groups[num].Success)
                {
                    sb.Append(m.Groups[num].Value);
                }
            }
            else if (Array.IndexOf(regex.GetGroupNames(), name) >= 0 && m.Groups[name].Success)
            {
                sb.Append(m.Groups[name].Value);
            }
            i = end;
        }
        return sb.ToString();

        static bool IsWordOnly(string s)
        {
            foreach (var ch in s)
            {
                if (!(char.IsAsciiLetterOrDigit(ch) || ch == '_'))
                {
                    return false;
                }
            }
            return true;
        }
    }

    private EvalValue LabelJoin(Call c, long ts)
    {
        var v = EvalVectorArg(c.Args[0], ts);
        var dst = ((StringResult)Eval(c.Args[1], ts)).Value;
        var sep = ((StringResult)Eval(c.Args[2], ts)).Value;
        var srcs = new List<string>();
        for (var i = 3; i < c.Args.Count; i++)
        {
            var src = ((StringResult)Eval(c.Args[i], ts)).Value;
            if (!LabelOps.IsValidLabelName(src))
            {
                throw new PromQlEvaluationException("invalid source label name in label_join(): " + src);
            }
            srcs.Add(src);
        }
        if (!LabelOps.IsValidLabelName(dst))
        {
            throw new PromQlEvaluationException("invalid destination label name in label_join(): " + dst);
        }
        var result = new List<VSample>(v.Count);
        foreach (var s in v)
        {
            var sb = new StringBuilder();
            for (var i = 0; i < srcs.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(sep);
                }
                sb.Append(s.Metric[srcs[i]]);
            }
            result.Add(s with { Metric = LabelOps.Set(s.Metric, dst, sb.ToString()), DropName = s.DropName && dst != Labels.MetricName });
        }
        return new VectorResult(result);
    }
}
