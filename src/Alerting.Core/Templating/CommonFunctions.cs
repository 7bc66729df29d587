using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Alerting.Core.Templating;

/// <summary>Functions Alertmanager and Prometheus templates share, with Go's formatting.</summary>
internal static class CommonFunctions
{
    private static readonly string[] SmallPrefixes = ["m", "u", "n", "p", "f", "a", "z", "y"];

    private static string G4(double v) => GoFmt.Sprintf("%.4g", [v]);

    public static string Humanize(double v)
    {
        if (v == 0 || double.IsNaN(v) || double.IsInfinity(v))
        {
            return G4(v);
        }
        var prefix = "";
        if (Math.Abs(v) >= 1)
        {
            foreach (var p in new[] { "k", "M", "G", "T", "P", "E", "Z", "Y" })
            {
                if (Math.Abs(v) < 1000)
                {
                    break;
                }
                prefix = p;
                v /= 1000;
            }
            return G4(v) + prefix;
        }
        foreach (var p in SmallPrefixes)
        {
            if (Math.Abs(v) >= 1)
            {
                break;
            }
            prefix = p;
            v *= 1000;
        }
        return G4(v) + prefix;
    }

    public static string Humanize1024(double v)
    {
        if (Math.Abs(v) <= 1 || double.IsNaN(v) || double.IsInfinity(v))
        {
            return G4(v);
        }
        var prefix = "";
        foreach (var p in new[] { "ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi" })
        {
            if (Math.Abs(v) < 1024)
            {
                break;
            }
            prefix = p;
            v /= 1024;
        }
        return G4(v) + prefix;
    }

    public static string HumanizeDuration(double v)
    {
        if (double.IsNaN(v) || double.IsInfinity(v))
        {
            return G4(v);
        }
        if (v == 0)
        {
            return G4(v) + "s";
        }
        if (Math.Abs(v) >= 1)
        {
            var sign = "";
            if (v < 0)
            {
                sign = "-";
                v = -v;
            }
            var duration = GoInt64(v);
            var seconds = duration % 60;
            var minutes = duration / 60 % 60;
            var hours = duration / 60 / 60 % 24;
            var days = duration / 60 / 60 / 24;
            if (days != 0)
            {
                return $"{sign}{days}d {hours}h {minutes}m {seconds}s";
            }
            if (hours != 0)
            {
                return $"{sign}{hours}h {minutes}m {seconds}s";
            }
            if (minutes != 0)
            {
                return $"{sign}{minutes}m {seconds}s";
            }
            return sign + G4(v) + "s";
        }
        var prefix = "";
        foreach (var p in SmallPrefixes)
        {
            if (Math.Abs(v) >= 1)
            {
                break;
            }
            prefix = p;
            v *= 1000;
        }
        return G4(v) + prefix + "s";
    }

    /// <summary>Go's <c>int64(v)</c> on amd64: out-of-range values become math.MinInt64 (.NET would saturate).</summary>
    private static long GoInt64(double v) =>
        double.IsNaN(v) || v >= 9.2233720368547758e18 || v < -9.2233720368547758e18 ? long.MinValue : (long)v;

    public static string HumanizePercentage(double v) => GoFmt.Sprintf("%.4g%%", [v * 100]);

    /// <summary>Prometheus' <c>floatToTime</c>: seconds to a UTC time truncated to milliseconds.</summary>
    public static DateTimeOffset FloatToTime(double v)
    {
        if (v < long.MinValue || v > long.MaxValue)
        {
            throw new InvalidOperationException($"{GoFmt.Value(v)} cannot be represented as a nanoseconds timestamp since it overflows int64");
        }
        var ns = v * 1e9;
        if (ns > long.MaxValue || ns < long.MinValue)
        {
            throw new InvalidOperationException($"{GoFmt.Value(v)} cannot be represented as a nanoseconds timestamp since it overflows int64");
        }
        var ms = (long)ns / 1_000_000;
        return DateTimeOffset.UnixEpoch.AddTicks(ms * TimeSpan.TicksPerMillisecond);
    }

    public static string HumanizeTimestamp(double v)
    {
        if (double.IsNaN(v) || double.IsInfinity(v))
        {
            return G4(v);
        }
        return GoTime.String(FloatToTime(v));
    }

    private static readonly (string Posix, string Net)[] PosixClasses =
    [
        ("[:alnum:]", "0-9A-Za-z"), ("[:alpha:]", "A-Za-z"), ("[:ascii:]", "\\x00-\\x7F"), ("[:blank:]", "\\t "),
        ("[:cntrl:]", "\\x00-\\x1F\\x7F"), ("[:digit:]", "0-9"), ("[:graph:]", "!-~"), ("[:lower:]", "a-z"), ("[:print:]", " -~"),
        ("[:punct:]", "!-/:-@\\[-`{-~"), ("[:space:]", "\\t\\n\\v\\f\\r "), ("[:upper:]", "A-Z"), ("[:word:]", "0-9A-Za-z_"),
        ("[:xdigit:]", "0-9A-Fa-f"),
    ];

    /// <summary>Go (RE2) syntax that .NET spells differently: <c>(?P&lt;name&gt;</c> groups and POSIX classes.</summary>
    private static string TranslateRegex(string pattern)
    {
        var p = Model.LabelMatcher.TranslateRe2(pattern);
        foreach (var (posix, net) in PosixClasses)
        {
            p = p.Replace(posix, net, StringComparison.Ordinal);
        }
        return p;
    }

    public static Regex CompileRegex(string pattern)
    {
        try
        {
            return new Regex(TranslateRegex(pattern), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"error parsing regexp: {e.Message}", e);
        }
    }

    /// <summary>Go's <c>Regexp.ReplaceAllString</c>: <c>$name</c>/<c>${name}</c> expand groups, unknown groups expand to nothing.</summary>
    public static string ReReplaceAll(string pattern, string repl, string text)
    {
        var re = CompileRegex(pattern);
        var names = new HashSet<string>(re.GetGroupNames(), StringComparer.Ordinal);
        return re.Replace(text, m =>
        {
            var sb = new StringBuilder();
            var i = 0;
            while (i < repl.Length)
            {
                var c = repl[i];
                if (c != '$' || i + 1 >= repl.Length)
                {
                    sb.Append(c);
                    i++;
                    continue;
                }
                if (repl[i + 1] == '$')
                {
                    sb.Append('$');
                    i += 2;
                    continue;
                }
                string? name = null;
                var j = i + 1;
                if (repl[j] == '{')
                {
                    var close = repl.IndexOf('}', j);
                    if (close > j + 1 && repl[(j + 1)..close].All(ch => ch == '_' || char.IsLetterOrDigit(ch)))
                    {
                        name = repl[(j + 1)..close];
                        j = close + 1;
                    }
                }
                else
                {
                    while (j < repl.Length && (repl[j] == '_' || char.IsLetterOrDigit(repl[j])))
                    {
                        j++;
                    }
                    if (j > i + 1)
                    {
                        name = repl[(i + 1)..j];
                    }
                }
                if (name is null)
                {
                    sb.Append('$');
                    i++;
                    continue;
                }
                if (names.Contains(name))
                {
                    sb.Append(m.Groups[name].Value);
                }
                i = j;
            }
            return sb.ToString();
        });
    }

    /// <summary>Title-cases each word; <paramref name="lowerRest"/> is x/text's default (Alertmanager), off is Prometheus' NoLower.</summary>
    public static string Title(string s, bool lowerRest)
    {
        var sb = new StringBuilder(s.Length);
        var prevIsWord = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            var isWord = char.IsLetterOrDigit(c) || c == '_' || (prevIsWord && c == '\'' && i + 1 < s.Length && char.IsLetter(s[i + 1]));
            if (char.IsLetter(c))
            {
                sb.Append(prevIsWord ? (lowerRest ? char.ToLowerInvariant(c) : c) : char.ToUpperInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
            prevIsWord = isWord;
        }
        return sb.ToString();
    }

    /// <summary>Go's <c>url.QueryUnescape</c>.</summary>
    public static string QueryUnescape(string s)
    {
        var bytes = new List<byte>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '%')
            {
                if (i + 2 >= s.Length || !byte.TryParse(s.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    var bad = s[i..Math.Min(i + 3, s.Length)];
                    throw new InvalidOperationException($"invalid URL escape {GoQuote.Quote(bad)}");
                }
                bytes.Add(b);
                i += 2;
            }
            else if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public static string ToUpper(object?[] args) => Args.String(Args.Exactly("toUpper", args, 1)[0]).ToUpperInvariant();

    public static string ToLower(object?[] args) => Args.String(Args.Exactly("toLower", args, 1)[0]).ToLowerInvariant();

    public static bool Match(object?[] args)
    {
        Args.Exactly("match", args, 2);
        return CompileRegex(Args.String(args[0])).IsMatch(Args.String(args[1]));
    }

    public static string ReReplaceAll(object?[] args)
    {
        Args.Exactly("reReplaceAll", args, 3);
        return ReReplaceAll(Args.String(args[0]), Args.String(args[1]), Args.String(args[2]));
    }

    public static DateTimeOffset Time(object? v) => v switch
    {
        DateTimeOffset t => t,
        ZonedTime z => z.Value,
        DateTime d => new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : d),
        null => throw new TemplateArgumentException("invalid value; expected time.Time"),
        _ => throw new TemplateArgumentException($"wrong type for value; expected time.Time; got {GoValues.TypeName(v)}"),
    };
}

/// <summary>Go-compatible number parsing (<c>strconv.ParseFloat</c>).</summary>
internal static class GoParse
{
    public static bool TryParseFloat(string s, out double v)
    {
        var t = s.Trim();
        if (t.Length != s.Length)
        {
            v = 0;
            return false;
        }
        var body = t.TrimStart('+', '-');
        var neg = t.StartsWith('-');
        switch (body.ToLowerInvariant())
        {
            case "inf":
            case "infinity":
                v = neg ? double.NegativeInfinity : double.PositiveInfinity;
                return true;
            case "nan":
                v = double.NaN;
                return true;
        }
        if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (long.TryParse(body.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h))
            {
                v = neg ? -h : h;
                return true;
            }
            v = 0;
            return false;
        }
        return double.TryParse(t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out v);
    }
}
