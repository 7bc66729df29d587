using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Alerting.Core.Model;

namespace Alerting.Core.Templating;

/// <summary>One element of a <c>query</c> result as Prometheus templates see it (<c>.Labels</c>, <c>.Value</c>).</summary>
[GoTypeName("*template.sample")]
public sealed class QuerySample(Labels labels, double value)
{
    public Labels Labels { get; } = labels;
    public double Value { get; } = value;
}

/// <summary>The data an alerting rule's annotations and labels are expanded with (Prometheus' AlertTemplateData).</summary>
[GoTypeName("struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }")]
public sealed class AlertTemplateData(Labels labels, Labels externalLabels, string externalURL, double value)
{
    public Labels Labels { get; } = labels;
    public Labels ExternalLabels { get; } = externalLabels;
    public string ExternalURL { get; } = externalURL;
    public double Value { get; } = value;
}

/// <summary>Prometheus' rule template functions (template.NewTemplateExpander) and alert template expansion.</summary>
public static partial class PrometheusRuleTemplates
{
    private static readonly Lazy<HashSet<string>> FunctionNames = new(() =>
        [.. Functions("").Keys, .. Builtins.Functions.Keys]);

    // Rule annotations are expanded for every alert at every evaluation; their text rarely changes.
    private static readonly ConcurrentDictionary<string, object> ParseCache = new(StringComparer.Ordinal);

    private const string Defs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

    /// <summary>
    /// Prometheus' template functions. <paramref name="query"/> runs PromQL (provided by the caller);
    /// <paramref name="timestamp"/> is the evaluation time (<c>now</c>).
    /// </summary>
    public static IReadOnlyDictionary<string, TemplateFunction> Functions(
        string externalUrl,
        Func<string, IReadOnlyList<(Labels Labels, double Value)>>? query = null,
        DateTimeOffset? timestamp = null)
    {
        var functions = new Dictionary<string, TemplateFunction>(StringComparer.Ordinal)
        {
            ["query"] = args =>
            {
                var q = Args.String(Args.Exactly("query", args, 1)[0]);
                if (query is null)
                {
                    throw new InvalidOperationException("no query engine is configured for templates");
                }
                return query(q).Select(s => new QuerySample(s.Labels, s.Value)).ToList();
            },
            ["first"] = args =>
            {
                var v = Samples(Args.Exactly("first", args, 1)[0]);
                return v.Count > 0 ? v[0] : throw new InvalidOperationException("first() called on vector with no elements");
            },
            ["label"] = args =>
            {
                Args.Exactly("label", args, 2);
                return Sample(args[1]).Labels[Args.String(args[0])];
            },
            ["value"] = args => Sample(Args.Exactly("value", args, 1)[0]).Value,
            ["strvalue"] = args => Sample(Args.Exactly("strvalue", args, 1)[0]).Labels["__value__"],
            ["args"] = args =>
            {
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < args.Length; i++)
                {
                    result["arg" + i.ToString(CultureInfo.InvariantCulture)] = args[i];
                }
                return (IReadOnlyDictionary<string, object?>)result;
            },
            ["reReplaceAll"] = CommonFunctions.ReReplaceAll,
            ["safeHtml"] = args => new SafeHtml(Args.String(Args.Exactly("safeHtml", args, 1)[0])),
            ["match"] = args => CommonFunctions.Match(args),
            ["title"] = args => CommonFunctions.Title(Args.String(Args.Exactly("title", args, 1)[0]), lowerRest: false),
            ["toUpper"] = CommonFunctions.ToUpper,
            ["toLower"] = CommonFunctions.ToLower,
            ["graphLink"] = args => "/graph?g0.expr=" + Builtins.QueryEscape(Args.String(Args.Exactly("graphLink", args, 1)[0])) + "&g0.tab=0",
            ["tableLink"] = args => "/graph?g0.expr=" + Builtins.QueryEscape(Args.String(Args.Exactly("tableLink", args, 1)[0])) + "&g0.tab=1",
            ["sortByLabel"] = args =>
            {
                Args.Exactly("sortByLabel", args, 2);
                var label = Args.String(args[0]);
                return Samples(args[1]).OrderBy(s => s.Labels[label], StringComparer.Ordinal).ToList();
            },
            ["humanize"] = args => CommonFunctions.Humanize(Args.Float(Args.Exactly("humanize", args, 1)[0])),
            ["humanize1024"] = args => CommonFunctions.Humanize1024(Args.Float(Args.Exactly("humanize1024", args, 1)[0])),
            ["humanizeDuration"] = args => CommonFunctions.HumanizeDuration(Args.Float(Args.Exactly("humanizeDuration", args, 1)[0])),
            ["humanizePercentage"] = args => CommonFunctions.HumanizePercentage(Args.Float(Args.Exactly("humanizePercentage", args, 1)[0])),
            ["humanizeTimestamp"] = args => CommonFunctions.HumanizeTimestamp(Args.Float(Args.Exactly("humanizeTimestamp", args, 1)[0])),
            ["toTime"] = args => CommonFunctions.FloatToTime(Args.Float(Args.Exactly("toTime", args, 1)[0])),
            ["toDuration"] = args =>
            {
                var v = Args.Float(Args.Exactly("toDuration", args, 1)[0]);
                return TimeSpan.FromTicks((long)Math.Round(v * 1e9) / 100);
            },
            ["pathPrefix"] = args =>
            {
                Args.Exactly("pathPrefix", args, 0);
                return UrlPath(externalUrl);
            },
            ["externalURL"] = args =>
            {
                Args.Exactly("externalURL", args, 0);
                return externalUrl;
            },
            ["parseDuration"] = args => ParseDuration(Args.String(Args.Exactly("parseDuration", args, 1)[0])).TotalSeconds,
            ["now"] = args =>
            {
                Args.Exactly("now", args, 0);
                return (timestamp ?? DateTimeOffset.UnixEpoch).ToUnixTimeMilliseconds() / 1000.0;
            },
            ["stripPort"] = args => SplitHostPort(Args.String(Args.Exactly("stripPort", args, 1)[0])).Host,
            ["stripDomain"] = args =>
            {
                var hostPort = Args.String(Args.Exactly("stripDomain", args, 1)[0]);
                var (host, port, ok) = SplitHostPort(hostPort);
                if (System.Net.IPAddress.TryParse(host, out _))
                {
                    return hostPort;
                }
                host = host.Split('.')[0];
                return ok && port.Length > 0 ? (host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]:" + port : host + ":" + port) : host;
            },
        };
        GoParamType s = GoParamType.String, any = GoParamType.Any;
        var result = GoParamType.Of<IEnumerable<QuerySample>>("template.queryResult");
        var sample = GoParamType.Of<QuerySample>("*template.sample");
        return GoFunction.Sign(
            functions,
            new Dictionary<string, GoParamType[]>
            {
                ["query"] = [s], ["first"] = [result], ["label"] = [s, sample], ["value"] = [sample], ["strvalue"] = [sample], ["args"] = [any],
                ["reReplaceAll"] = [s, s, s], ["safeHtml"] = [s], ["match"] = [s, s], ["title"] = [s], ["toUpper"] = [s], ["toLower"] = [s],
                ["graphLink"] = [s], ["tableLink"] = [s], ["sortByLabel"] = [s, result], ["humanize"] = [any], ["humanize1024"] = [any],
                ["humanizeDuration"] = [any], ["humanizePercentage"] = [any], ["humanizeTimestamp"] = [any], ["toTime"] = [any],
                ["toDuration"] = [any], ["pathPrefix"] = [], ["externalURL"] = [], ["parseDuration"] = [s], ["now"] = [],
                ["stripPort"] = [s], ["stripDomain"] = [s],
            },
            new HashSet<string> { "args" });
    }

    /// <summary>The decoded path of a URL, as Go's <c>url.URL.Path</c> ("" when there is none).</summary>
    private static string UrlPath(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var rest = scheme >= 0 ? url[(scheme + 3)..] : url;
        var slash = scheme >= 0 ? rest.IndexOf('/') : 0;
        if (slash < 0)
        {
            return "";
        }
        var path = rest[slash..];
        var cut = path.IndexOfAny(['?', '#']);
        if (cut >= 0)
        {
            path = path[..cut];
        }
        return Uri.UnescapeDataString(path);
    }

    private static (string Host, string Port, bool Ok) SplitHostPort(string hostPort)
    {
        if (hostPort.StartsWith('['))
        {
            var end = hostPort.IndexOf("]:", StringComparison.Ordinal);
            if (end > 0)
            {
                return (hostPort[1..end], hostPort[(end + 2)..], true);
            }
            return (hostPort, "", false);
        }
        var colon = hostPort.LastIndexOf(':');
        if (colon < 0 || hostPort.IndexOf(':') != colon)
        {
            return (hostPort, "", false);
        }
        return (hostPort[..colon], hostPort[(colon + 1)..], true);
    }

    private static List<QuerySample> Samples(object? v) => v switch
    {
        IEnumerable<QuerySample> s => s.ToList(),
        _ => throw new TemplateArgumentException($"wrong type for value; expected template.queryResult; got {GoValues.TypeName(v)}"),
    };

    private static QuerySample Sample(object? v) => v switch
    {
        QuerySample s => s,
        _ => throw new TemplateArgumentException($"wrong type for value; expected *template.sample; got {GoValues.TypeName(v)}"),
    };

    private static object ParseCached(string name, string text)
    {
        var key = name + "\0" + text;
        if (ParseCache.TryGetValue(key, out var cached))
        {
            return cached;
        }
        object result;
        try
        {
            result = Parser.Parse(name, text, FunctionNames.Value.Contains);
        }
        catch (TemplateParseException e)
        {
            result = e.Message;
        }
        if (ParseCache.Count > 10_000)
        {
            ParseCache.Clear();
        }
        ParseCache[key] = result;
        return result;
    }

    /// <summary>Prometheus' <c>model.ParseDuration</c>; a template function's failure is an execution error.</summary>
    public static TimeSpan ParseDuration(string s) =>
        PromDuration.TryParse(s, out var d, out var error) ? d : throw new InvalidOperationException(error);

    /// <summary>
    /// Expands an alerting rule's annotation or label template as Prometheus does: the <c>$labels</c>,
    /// <c>$externalLabels</c>, <c>$externalURL</c> and <c>$value</c> definitions are prepended, missing keys
    /// yield "", and any failure yields Prometheus' <c>&lt;error expanding template: ...&gt;</c> text.
    /// </summary>
    public static string Expand(
        string text,
        Labels labels,
        double value,
        Labels externalLabels,
        string externalUrl,
        Func<string, IReadOnlyList<(Labels Labels, double Value)>>? query = null,
        string? ruleName = null,
        DateTimeOffset? timestamp = null)
    {
        var name = "__alert_" + (ruleName ?? labels["alertname"]);
        try
        {
            return ExpandOrThrow(name, text, labels, value, externalLabels, externalUrl, query, timestamp);
        }
        catch (Exception e) when (e is TemplateParseException or TemplateExecutionException)
        {
            return $"<error expanding template: {e.Message}>";
        }
    }

    /// <summary>Like <see cref="Expand"/> but throws; the message is Prometheus' "error parsing/executing template NAME: ...".</summary>
    public static string ExpandOrThrow(
        string name,
        string text,
        Labels labels,
        double value,
        Labels externalLabels,
        string externalUrl,
        Func<string, IReadOnlyList<(Labels Labels, double Value)>>? query = null,
        DateTimeOffset? timestamp = null)
    {
        var set = TemplateSet.Create(Functions(externalUrl, query, timestamp), MissingKeyMode.Zero);
        var parsed = ParseCached(name, Defs + text);
        if (parsed is string error)
        {
            throw new TemplateParseException($"error parsing template {name}: {error}");
        }
        set.AddParsed((Dictionary<string, TemplateTree>)parsed);
        try
        {
            return set.Execute(name, new AlertTemplateData(labels, externalLabels, externalUrl, value));
        }
        catch (TemplateExecutionException e)
        {
            throw new TemplateExecutionException($"error executing template {name}: {e.Message}");
        }
    }
}
