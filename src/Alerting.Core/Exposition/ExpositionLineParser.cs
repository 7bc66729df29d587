using System.Globalization;
using Alerting.Core.Model;

namespace Alerting.Core.Exposition;

/// <summary>
/// The line-at-a-time state machine behind <see cref="ExpositionParser"/>. Works on one line of chars
/// at a time so the byte, sequence and reader front-ends share every rule.
/// </summary>
internal sealed class ExpositionLineParser
{
    private readonly ExpositionFormat _format;
    private readonly List<ScrapedSample> _samples = [];
    private readonly Dictionary<string, MetricMetadata> _metadata = new(StringComparer.Ordinal);
    private readonly HashSet<Labels> _seen = [];
    private readonly List<Label> _scratchLabels = new(16);
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _valueLookup;
    private char[] _unescape = new char[256];
    private int _line;
    private bool _sawEof;

    private readonly bool _rejectDuplicates;

    public ExpositionLineParser(ExpositionFormat format, bool rejectDuplicates = true)
    {
        _format = format;
        _rejectDuplicates = rejectDuplicates;
        _valueLookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private bool IsOpenMetrics => _format == ExpositionFormat.OpenMetrics;

    /// <summary>Parses one line (without its '\n').</summary>
    public void Line(ReadOnlySpan<char> line)
    {
        _line++;
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }
        if (_sawEof)
        {
            throw Error("unexpected data after # EOF");
        }
        if (IsOpenMetrics)
        {
            if (line.IsEmpty)
            {
                throw Error("empty line not allowed in OpenMetrics");
            }
        }
        else
        {
            line = line.TrimStart(" \t");
            if (line.IsEmpty)
            {
                return;
            }
        }
        if (line[0] == '#')
        {
            Comment(line);
        }
        else
        {
            Sample(line);
        }
    }

    /// <summary>Called after the last line.</summary>
    public ScrapeResult Finish()
    {
        if (IsOpenMetrics && !_sawEof)
        {
            throw new ExpositionParseException(Math.Max(_line, 1), "data does not end with # EOF");
        }
        return new ScrapeResult(_format, _samples, _metadata);
    }

    private ExpositionParseException Error(string reason) => new(_line, reason);

    private void Comment(ReadOnlySpan<char> line)
    {
        var rest = line[1..];
        if (IsOpenMetrics)
        {
            if (rest.SequenceEqual(" EOF"))
            {
                _sawEof = true;
                return;
            }
            if (rest.Length < 2 || rest[0] != ' ')
            {
                throw Error("invalid comment: OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF");
            }
            rest = rest[1..];
        }
        else
        {
            // In the text format any other comment is free text; only "# HELP x" and "# TYPE x" mean something.
            var trimmed = rest.TrimStart(" \t");
            if (trimmed.Length == rest.Length)
            {
                return;
            }
            rest = trimmed;
        }

        var space = rest.IndexOfAny(' ', '\t');
        var keyword = space < 0 ? rest : rest[..space];
        var kind = keyword switch
        {
            "HELP" => 'H',
            "TYPE" => 'T',
            "UNIT" when IsOpenMetrics => 'U',
            _ => '\0',
        };
        if (kind == '\0')
        {
            if (IsOpenMetrics)
            {
                throw Error($"invalid comment keyword \"{keyword}\"");
            }
            return;
        }
        if (space < 0)
        {
            if (IsOpenMetrics)
            {
                throw Error($"# {keyword.ToString()} without metric name");
            }
            return;
        }
        rest = IsOpenMetrics ? rest[(space + 1)..] : rest[(space + 1)..].TrimStart(" \t");
        var nameEnd = 0;
        while (nameEnd < rest.Length && rest[nameEnd] is not ' ' and not '\t')
        {
            nameEnd++;
        }
        var name = rest[..nameEnd];
        if (!PromNames.IsValidMetricName(name))
        {
            throw Error($"invalid metric name \"{name.ToString()}\" in # {keyword.ToString()}");
        }
        var family = NameInterner.Intern(name);
        var arg = nameEnd < rest.Length ? rest[(nameEnd + 1)..] : [];
        if (!IsOpenMetrics && kind == 'T')
        {
            arg = arg.Trim(" \t");
        }

        _metadata.TryGetValue(family, out var current);
        current ??= new MetricMetadata(family, MetricType.Unknown, null, null);
        switch (kind)
        {
            case 'H':
                _metadata[family] = current with { Help = UnescapeHelp(arg) };
                break;
            case 'T':
                var type = ParseType(arg) ?? throw Error($"invalid metric type \"{arg.ToString()}\"");
                _metadata[family] = current with { Type = type };
                break;
            default:
                if (!arg.IsEmpty && !family.EndsWith("_" + arg.ToString(), StringComparison.Ordinal))
                {
                    throw Error($"unit \"{arg.ToString()}\" not a suffix of metric \"{family}\"");
                }
                _metadata[family] = current with { Unit = arg.ToString() };
                break;
        }
    }

    private MetricType? ParseType(ReadOnlySpan<char> s)
    {
        if (IsOpenMetrics)
        {
            return s switch
            {
                "counter" => MetricType.Counter,
                "gauge" => MetricType.Gauge,
                "histogram" => MetricType.Histogram,
                "gaugehistogram" => MetricType.GaugeHistogram,
                "stateset" => MetricType.StateSet,
                "info" => MetricType.Info,
                "summary" => MetricType.Summary,
                "unknown" => MetricType.Unknown,
                _ => null,
            };
        }
        return s switch
        {
            "counter" => MetricType.Counter,
            "gauge" => MetricType.Gauge,
            "histogram" => MetricType.Histogram,
            "summary" => MetricType.Summary,
            "untyped" => MetricType.Untyped,
            _ => null,
        };
    }

    private string UnescapeHelp(ReadOnlySpan<char> s)
    {
        if (s.IndexOf('\\') < 0)
        {
            return s.ToString();
        }
        var buf = Scratch(s.Length);
        var n = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\\' && i + 1 < s.Length)
            {
                var e = s[i + 1];
                if (e == 'n')
                {
                    buf[n++] = '\n';
                    i++;
                    continue;
                }
                if (e == '\\' || (e == '"' && IsOpenMetrics))
                {
                    buf[n++] = e;
                    i++;
                    continue;
                }
            }
            buf[n++] = c;
        }
        return new string(buf, 0, n);
    }

    private char[] Scratch(int length)
    {
        if (_unescape.Length < length)
        {
            _unescape = new char[Math.Max(length, _unescape.Length * 2)];
        }
        return _unescape;
    }

    private void Sample(ReadOnlySpan<char> line)
    {
        var pos = 0;
        while (pos < line.Length && PromNames.IsMetricNameChar(line[pos]))
        {
            pos++;
        }
        var nameSpan = line[..pos];
        if (nameSpan.IsEmpty || !PromNames.IsMetricNameStart(nameSpan[0]))
        {
            throw Error($"invalid metric name at \"{Excerpt(line)}\"");
        }
        _scratchLabels.Clear();
        _scratchLabels.Add(new Label(Labels.MetricName, NameInterner.Intern(nameSpan)));

        // The text format allows blanks between the name and '{'; OpenMetrics does not.
        var brace = IsOpenMetrics ? pos : SkipBlanks(line, pos);
        if (brace < line.Length && line[brace] == '{')
        {
            pos = LabelSet(line, brace + 1, _scratchLabels, record: true);
        }

        if (!_rejectDuplicates && !IsOpenMetrics)
        {
            CheckBucketLabels(nameSpan);
        }

        // Value: separated by exactly one space in OpenMetrics, any blanks in the text format.
        var afterLabels = pos;
        pos = SkipBlanks(line, pos);
        if (pos == afterLabels || pos >= line.Length)
        {
            throw Error("expected value after metric");
        }
        var valueEnd = TokenEnd(line, pos);
        var value = ParseFloat(line[pos..valueEnd]) ?? throw Error($"invalid value \"{line[pos..valueEnd].ToString()}\"");
        pos = valueEnd;

        long? timestamp = null;
        var afterValue = pos;
        pos = SkipBlanks(line, pos);
        if (pos < line.Length && line[pos] != '#')
        {
            var tsEnd = TokenEnd(line, pos);
            timestamp = ParseTimestamp(line[pos..tsEnd]);
            pos = SkipBlanks(line, tsEnd);
        }
        else if (pos < line.Length && pos == afterValue)
        {
            throw Error("expected space before exemplar");
        }
        if (pos < line.Length)
        {
            if (IsOpenMetrics && line[pos] == '#')
            {
                Exemplar(line[pos..]);
            }
            else
            {
                throw Error($"unexpected text after sample: \"{Excerpt(line[pos..])}\"");
            }
        }

        for (var i = 1; i < _scratchLabels.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (_scratchLabels[i].Name == _scratchLabels[j].Name)
                {
                    throw Error($"label name \"{_scratchLabels[i].Name}\" is not unique");
                }
            }
        }
        var labels = Labels.From(_scratchLabels);
        if (_rejectDuplicates && !_seen.Add(labels))
        {
            throw Error($"duplicate series {labels}");
        }
        _samples.Add(new ScrapedSample(labels, value, timestamp));
    }

    /// <summary>
    /// The Pushgateway's parser (expfmt) reads a histogram's <c>le</c> and a summary's <c>quantile</c> as
    /// floats, for every sample of the family, and refuses the push otherwise; Prometheus' scrape parser
    /// keeps them as plain labels, so only push mode checks. The family is found as expfmt finds it: the
    /// sample's own declared name, else a summary it ends with _sum/_count, else a histogram it ends with
    /// _bucket/_sum/_count.
    /// </summary>
    private void CheckBucketLabels(ReadOnlySpan<char> name)
    {
        var type = _metadata.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out var own) ? own.Type
            : FamilyType(name, MetricType.Summary, "_sum", "_count") ?? FamilyType(name, MetricType.Histogram, "_bucket", "_sum", "_count");
        var special = type switch
        {
            MetricType.Histogram => "le",
            MetricType.Summary => "quantile",
            _ => null,
        };
        if (special is null)
        {
            return;
        }
        for (var i = 1; i < _scratchLabels.Count; i++)
        {
            if (_scratchLabels[i].Name == special && ParseFloat(_scratchLabels[i].Value) is null)
            {
                throw Error($"expected float as value for '{special}' label, got \"{_scratchLabels[i].Value}\"");
            }
        }
    }

    private MetricType? FamilyType(ReadOnlySpan<char> name, MetricType wanted, params ReadOnlySpan<string> suffixes)
    {
        foreach (var suffix in suffixes)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal)
                && _metadata.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name[..^suffix.Length], out var m) && m.Type == wanted)
            {
                return wanted;
            }
        }
        return null;
    }

    /// <summary>Parses <c>name="value",...}</c> starting after '{'; returns the index after '}'.</summary>
    private int LabelSet(ReadOnlySpan<char> line, int pos, List<Label> into, bool record)
    {
        while (true)
        {
            pos = SkipBlanksLenient(line, pos);
            if (pos >= line.Length)
            {
                throw Error("unterminated label set");
            }
            if (line[pos] == '}')
            {
                return pos + 1;
            }
            var start = pos;
            while (pos < line.Length && PromNames.IsLabelNameChar(line[pos]))
            {
                pos++;
            }
            var name = line[start..pos];
            if (!PromNames.IsValidLabelName(name))
            {
                throw Error($"invalid label name at \"{Excerpt(line[start..])}\"");
            }
            pos = SkipBlanksLenient(line, pos);
            if (pos >= line.Length || line[pos] != '=')
            {
                throw Error($"expected '=' after label name \"{name.ToString()}\"");
            }
            pos = SkipBlanksLenient(line, pos + 1);
            if (pos >= line.Length || line[pos] != '"')
            {
                throw Error($"expected '\"' to start value of label \"{name.ToString()}\"");
            }
            pos++;
            var buf = Scratch(line.Length - pos);
            var n = 0;
            var closed = false;
            while (pos < line.Length)
            {
                var c = line[pos];
                if (c == '"')
                {
                    closed = true;
                    pos++;
                    break;
                }
                if (c == '\\' && pos + 1 < line.Length)
                {
                    var e = line[pos + 1];
                    switch (e)
                    {
                        case 'n':
                            buf[n++] = '\n';
                            pos += 2;
                            continue;
                        case '\\':
                        case '"':
                            buf[n++] = e;
                            pos += 2;
                            continue;
                        default:
                            // Prometheus keeps unknown escapes verbatim rather than rejecting them.
                            buf[n++] = '\\';
                            buf[n++] = e;
                            pos += 2;
                            continue;
                    }
                }
                buf[n++] = c;
                pos++;
            }
            if (!closed)
            {
                throw Error($"unterminated value of label \"{name.ToString()}\"");
            }
            if (record)
            {
                into.Add(new Label(NameInterner.Intern(name), InternValue(buf.AsSpan(0, n))));
            }
            pos = SkipBlanksLenient(line, pos);
            if (pos < line.Length && line[pos] == ',')
            {
                pos++;
                continue;
            }
            if (pos < line.Length && line[pos] == '}')
            {
                return pos + 1;
            }
            throw Error("expected ',' or '}' after label value");
        }
    }

    private string InternValue(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return string.Empty;
        }
        if (_valueLookup.TryGetValue(value, out var s))
        {
            return s;
        }
        s = value.ToString();
        if (value.Length <= 64 && _values.Count < 10_000)
        {
            _values[s] = s;
        }
        return s;
    }

    private void Exemplar(ReadOnlySpan<char> rest)
    {
        // " # {trace_id="abc"} 1.0 [ts]": validated so a malformed line still fails, then dropped.
        if (rest.Length < 3 || rest[1] != ' ' || rest[2] != '{')
        {
            throw Error("invalid exemplar: expected \"# {\"");
        }
        var pos = LabelSet(rest, 3, _scratchLabels, record: false);
        var afterLabels = pos;
        pos = SkipBlanks(rest, pos);
        if (pos == afterLabels || pos >= rest.Length)
        {
            throw Error("invalid exemplar: missing value");
        }
        var end = TokenEnd(rest, pos);
        if (ParseFloat(rest[pos..end]) is null)
        {
            throw Error($"invalid exemplar value \"{rest[pos..end].ToString()}\"");
        }
        pos = SkipBlanks(rest, end);
        if (pos < rest.Length)
        {
            end = TokenEnd(rest, pos);
            if (ParseFloat(rest[pos..end]) is not { } ts || !double.IsFinite(ts))
            {
                throw Error($"invalid exemplar timestamp \"{rest[pos..end].ToString()}\"");
            }
            if (SkipBlanks(rest, end) < rest.Length)
            {
                throw Error("unexpected text after exemplar");
            }
        }
    }

    private long ParseTimestamp(ReadOnlySpan<char> token)
    {
        if (IsOpenMetrics)
        {
            if (ParseFloat(token) is not { } seconds || !double.IsFinite(seconds))
            {
                throw Error($"invalid timestamp \"{token.ToString()}\"");
            }
            return (long)(seconds * 1000);
        }
        if (!long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
        {
            throw Error($"invalid timestamp \"{token.ToString()}\"");
        }
        return ms;
    }

    /// <summary>Go's ParseFloat subset that exporters emit: decimal/exponent forms, Inf/NaN in any case.</summary>
    internal static double? ParseFloat(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
        {
            return null;
        }
        var body = s[0] is '+' or '-' ? s[1..] : s;
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            return s[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
        }
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            return s.Length == body.Length ? double.NaN : null;
        }
        foreach (var c in body)
        {
            if (c is not ((>= '0' and <= '9') or '.' or 'e' or 'E' or '+' or '-'))
            {
                return null;
            }
        }
        // Go's ParseFloat refuses a finite literal beyond float64's range (ErrRange) where .NET rounds it
        // to infinity; Prometheus and the Pushgateway both refuse "1e999", so the sample is invalid here too.
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;
    }

    private int SkipBlanks(ReadOnlySpan<char> line, int pos)
    {
        if (IsOpenMetrics)
        {
            // OpenMetrics: exactly one space between tokens.
            return pos < line.Length && line[pos] == ' ' ? pos + 1 : pos;
        }
        while (pos < line.Length && line[pos] is ' ' or '\t')
        {
            pos++;
        }
        return pos;
    }

    private int SkipBlanksLenient(ReadOnlySpan<char> line, int pos)
    {
        if (IsOpenMetrics)
        {
            return pos;
        }
        while (pos < line.Length && line[pos] is ' ' or '\t')
        {
            pos++;
        }
        return pos;
    }

    private static int TokenEnd(ReadOnlySpan<char> line, int pos)
    {
        while (pos < line.Length && line[pos] is not ' ' and not '\t')
        {
            pos++;
        }
        return pos;
    }

    private static string Excerpt(ReadOnlySpan<char> s) => s.Length <= 40 ? s.ToString() : s[..40].ToString() + "...";
}
