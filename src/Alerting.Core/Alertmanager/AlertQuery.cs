using System.Text.Json.Nodes;
using Alerting.Core.Model;

namespace Alerting.Core.Alertmanager;

/// <summary>A query parameter Alertmanager refuses, with its message.</summary>
public sealed class AlertQueryException(string message) : Exception(message);

/// <summary>An aggregation group as <c>GET /api/v2/alerts/groups</c> lists it.</summary>
public sealed record AlertGroupView(Labels Labels, string Receiver, IReadOnlyList<MarkedAlert> Alerts, IReadOnlyDictionary<string, IReadOnlyList<string>> ReceiversByFingerprint)
{
    /// <summary>The <c>alertGroup</c> JSON: alerts (each with the receivers of the listed groups it is in), labels, receiver.</summary>
    public JsonObject ToJson() => new()
    {
        ["alerts"] = new JsonArray(Alerts.Select(a => (JsonNode)a.ToJson(ReceiversByFingerprint[a.Fingerprint])).ToArray()),
        ["labels"] = MarkedAlert.LabelsJson(Labels),
        ["receiver"] = new JsonObject { ["name"] = Receiver },
    };
}

/// <summary>
/// The filters of <c>GET /api/v2/alerts</c> and <c>GET /api/v2/alerts/groups</c>, read and applied as
/// Alertmanager 0.25 does: <c>active</c>, <c>silenced</c>, <c>inhibited</c> (each true unless given
/// otherwise; <c>unprocessed</c> is accepted and, as there, changes nothing), <c>filter</c> matchers on
/// the labels, and <c>receiver</c>, a regex one of the alert's receivers must match in full.
/// </summary>
public sealed record AlertQuery
{
    // go-openapi's swag.ConvertBool: these (any case) are true, every other non-empty value is false.
    private static readonly HashSet<string> TrueWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled",
    };

    public bool Active { get; init; } = true;

    public bool Silenced { get; init; } = true;

    public bool Inhibited { get; init; } = true;

    public bool Unprocessed { get; init; } = true;

    public IReadOnlyList<LabelMatcher> Filter { get; init; } = [];

    /// <summary>The <c>receiver</c> regex, anchored; null when not given.</summary>
    public LabelMatcher? Receiver { get; init; }

    /// <summary>
    /// Reads the query string (<paramref name="values"/> gives every value of a parameter). A bad matcher
    /// or receiver regex throws <see cref="AlertQueryException"/> with Alertmanager's message.
    /// </summary>
    public static AlertQuery Parse(Func<string, IReadOnlyList<string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var filter = new List<LabelMatcher>();
        foreach (var f in values("filter"))
        {
            try
            {
                filter.Add(MatcherParser.Parse(f));
            }
            catch (MatcherParseException e)
            {
                throw new AlertQueryException(e.Message);
            }
        }
        LabelMatcher? receiver = null;
        if (values("receiver") is { Count: > 0 } r && r[^1].Length > 0)
        {
            try
            {
                receiver = MatcherParser.Create(MatcherType.Regex, "receiver", r[^1]);
            }
            catch (MatcherParseException e)
            {
                throw new AlertQueryException("failed to parse receiver param: " + e.Message);
            }
        }
        return new AlertQuery
        {
            Active = Bool(values("active")),
            Silenced = Bool(values("silenced")),
            Inhibited = Bool(values("inhibited")),
            Unprocessed = Bool(values("unprocessed")),
            Filter = filter,
            Receiver = receiver,
        };

        // The last value counts; an empty one keeps the default (true).
        static bool Bool(IReadOnlyList<string> given) => given.Count == 0 || given[^1].Length == 0 || TrueWords.Contains(given[^1]);
    }

    /// <summary><c>GET /api/v2/alerts</c>: the alerts that pass, ordered by fingerprint.</summary>
    public IReadOnlyList<MarkedAlert> Alerts(IEnumerable<MarkedAlert> marked)
    {
        ArgumentNullException.ThrowIfNull(marked);
        return marked
            .Where(a => Receiver is null || a.Receivers.Any(Receiver.Matches))
            .Where(Passes)
            .OrderBy(a => a.Fingerprint, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>
    /// <c>GET /api/v2/alerts/groups</c>: one group per route and group labels holding the alerts that
    /// pass, for routes whose receiver passes <c>receiver</c>; ordered by labels, then receiver. An
    /// alert's receivers are those of the listed groups it is in, sorted.
    /// </summary>
    public IReadOnlyList<AlertGroupView> Groups(AlertmanagerConfig config, IEnumerable<MarkedAlert> marked)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(marked);
        var groups = new Dictionary<(Route Route, Labels Labels), List<MarkedAlert>>();
        var receivers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var alert in marked.Where(Passes))
        {
            foreach (var route in config.Root.MatchRoutes(alert.Alert.Labels))
            {
                if (Receiver is not null && !Receiver.Matches(route.Receiver))
                {
                    continue;
                }
                var key = (route, new RouteMatch(route).GroupLabels(alert.Alert.Labels));
                if (!groups.TryGetValue(key, out var list))
                {
                    groups[key] = list = [];
                }
                list.Add(alert);
                if (!receivers.TryGetValue(alert.Fingerprint, out var names))
                {
                    receivers[alert.Fingerprint] = names = [];
                }
                names.Add(route.Receiver);
            }
        }
        var byFingerprint = receivers.ToDictionary(
            kv => kv.Key,
            kv => (IReadOnlyList<string>)kv.Value.Order(StringComparer.Ordinal).ToArray(),
            StringComparer.Ordinal);
        return groups
            .Select(g => new AlertGroupView(g.Key.Labels, g.Key.Route.Receiver, g.Value.Order(AlertByLabels.Instance).ToArray(), byFingerprint))
            .Order(GroupOrder.Instance)
            .ToArray();
    }

    private bool Passes(MarkedAlert a)
    {
        if (!Active && a.State == AlertState.Active)
        {
            return false;
        }
        if (!Silenced && a.SilencedBy.Count > 0)
        {
            return false;
        }
        if (!Inhibited && a.InhibitedBy.Count > 0)
        {
            return false;
        }
        return MatchesFilter(Filter, a.Alert.Labels);
    }

    /// <summary>
    /// Alertmanager's label filter: an empty-valued equality (or regex) matcher is also satisfied by an
    /// absent label, an empty-valued negative one by a present label; otherwise the matcher decides.
    /// </summary>
    public static bool MatchesFilter(IReadOnlyList<LabelMatcher> filter, Labels labels)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var m in filter)
        {
            var value = labels.Get(m.Name);
            var negative = m.Type is MatcherType.NotEqual or MatcherType.NotRegex;
            if (m.Value.Length == 0 && (value is not null) == negative)
            {
                continue;
            }
            if (!m.Matches(value ?? string.Empty))
            {
                return false;
            }
        }
        return true;
    }

    private sealed class AlertByLabels : IComparer<MarkedAlert>
    {
        public static readonly AlertByLabels Instance = new();

        public int Compare(MarkedAlert? x, MarkedAlert? y) => AlertOrder.Compare(x!.Alert.Labels, y!.Alert.Labels);
    }

    private sealed class GroupOrder : IComparer<AlertGroupView>
    {
        public static readonly GroupOrder Instance = new();

        public int Compare(AlertGroupView? x, AlertGroupView? y)
        {
            var c = AlertOrder.CompareLabelSets(x!.Labels, y!.Labels);
            return c != 0 ? c : string.CompareOrdinal(x.Receiver, y.Receiver);
        }
    }
}
