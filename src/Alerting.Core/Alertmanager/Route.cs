using Alerting.Core.Model;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// A node of the routing tree with its effective options: receiver, grouping and timings are inherited
/// from the parent when unset, as Alertmanager does. Mute and active time intervals are not inherited
/// (Alertmanager copies them from each route's own config; see prometheus/alertmanager#3211).
/// </summary>
public sealed class Route
{
    public static readonly TimeSpan DefaultGroupWait = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultGroupInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultRepeatInterval = TimeSpan.FromHours(4);

    private readonly List<Route> _routes = [];

    internal Route(Route? parent, RouteSpec spec)
    {
        Parent = parent;
        Spec = spec;
        Matchers = spec.AllMatchers();
        Receiver = spec.Receiver ?? parent?.Receiver ?? string.Empty;
        // Alertmanager only overrides group_by when a concrete label is listed: `group_by: []` inherits,
        // and `['...']` keeps the parent's labels but switches on group-by-all.
        var labels = spec.GroupBy?.Where(l => l != "...").ToArray() ?? [];
        if (labels.Length > 0)
        {
            GroupBy = labels;
            GroupByAll = false;
        }
        else
        {
            GroupBy = parent?.GroupBy ?? [];
            GroupByAll = spec.GroupBy?.Contains("...") == true || (parent?.GroupByAll ?? false);
        }
        GroupWait = spec.GroupWait ?? parent?.GroupWait ?? DefaultGroupWait;
        GroupInterval = spec.GroupInterval ?? parent?.GroupInterval ?? DefaultGroupInterval;
        RepeatInterval = spec.RepeatInterval ?? parent?.RepeatInterval ?? DefaultRepeatInterval;
        Continue = spec.Continue;
        MuteTimeIntervals = spec.MuteTimeIntervals;
        ActiveTimeIntervals = spec.ActiveTimeIntervals;
        Index = parent is null ? -1 : parent._routes.Count;
        parent?._routes.Add(this);
        Key = parent is null ? MatcherParser.FormatList(Matchers) : parent.Key + "/" + MatcherParser.FormatList(Matchers);
        Id = Index < 0 ? Key : $"{Key}/{Index}";
        foreach (var child in spec.Routes)
        {
            _ = new Route(this, child);
        }
    }

    public Route? Parent { get; }

    /// <summary>The route as written in the file (only what was set), with its source line.</summary>
    internal RouteSpec Spec { get; }

    public int Line => Spec.Line;

    /// <summary>All matchers (<c>match</c>, <c>match_re</c>, <c>matchers</c>) in Alertmanager's sorted order.</summary>
    public IReadOnlyList<LabelMatcher> Matchers { get; }

    public string Receiver { get; }

    public IReadOnlyList<string> GroupBy { get; }

    /// <summary><c>group_by: ['...']</c>: group by every label, i.e. no grouping.</summary>
    public bool GroupByAll { get; }

    public TimeSpan GroupWait { get; }

    public TimeSpan GroupInterval { get; }

    public TimeSpan RepeatInterval { get; }

    public bool Continue { get; }

    public IReadOnlyList<string> MuteTimeIntervals { get; }

    public IReadOnlyList<string> ActiveTimeIntervals { get; }

    public IReadOnlyList<Route> Routes => _routes;

    /// <summary>Position among the parent's children, -1 for the root.</summary>
    public int Index { get; }

    /// <summary>Alertmanager's route key, e.g. <c>{}/{severity="critical"}</c>; the prefix of group keys.</summary>
    public string Key { get; }

    /// <summary>Alertmanager's route id: the key plus the sibling index, unique even for identical siblings.</summary>
    public string Id { get; }

    public bool MatchesLabels(Labels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var m in Matchers)
        {
            if (!m.Matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The routes an alert with <paramref name="labels"/> is delivered through: depth-first, a child
    /// that matches stops the search among its siblings unless it has <c>continue</c>, and a node
    /// whose children all miss is itself the match.
    /// </summary>
    public IReadOnlyList<RouteMatch> Match(Labels labels) => MatchRoutes(labels).Select(r => new RouteMatch(r)).ToArray();

    public IReadOnlyList<Route> MatchRoutes(Labels labels)
    {
        if (!MatchesLabels(labels))
        {
            return [];
        }
        var all = new List<Route>();
        foreach (var child in _routes)
        {
            var matches = child.MatchRoutes(labels);
            all.AddRange(matches);
            if (matches.Count > 0 && !child.Continue)
            {
                break;
            }
        }
        if (all.Count == 0)
        {
            all.Add(this);
        }
        return all;
    }

    /// <summary>Every node, depth-first, root first.</summary>
    public IEnumerable<Route> Walk()
    {
        yield return this;
        foreach (var child in _routes)
        {
            foreach (var r in child.Walk())
            {
                yield return r;
            }
        }
    }
}

/// <summary>One route an alert was matched to, with everything the dispatcher needs.</summary>
public sealed record RouteMatch
{
    public RouteMatch(Route route)
    {
        ArgumentNullException.ThrowIfNull(route);
        Route = route;
    }

    public Route Route { get; }

    public string RouteId => Route.Id;

    public string RouteKey => Route.Key;

    public string Receiver => Route.Receiver;

    public IReadOnlyList<string> GroupBy => Route.GroupBy;

    public bool GroupByAll => Route.GroupByAll;

    public TimeSpan GroupWait => Route.GroupWait;

    public TimeSpan GroupInterval => Route.GroupInterval;

    public TimeSpan RepeatInterval => Route.RepeatInterval;

    public IReadOnlyList<string> MuteTimeIntervals => Route.MuteTimeIntervals;

    public IReadOnlyList<string> ActiveTimeIntervals => Route.ActiveTimeIntervals;

    /// <summary>The alert's labels that define its group: those in <c>group_by</c>, or all with <c>...</c>.</summary>
    public Labels GroupLabels(Labels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return GroupByAll ? labels : labels.Keep(GroupBy);
    }

    /// <summary>Alertmanager's group key: <c>{}/{severity="critical"}:{alertname="X"}</c>.</summary>
    public string GroupKey(Labels labels) => RouteKey + ":" + FormatLabelSet(GroupLabels(labels));

    /// <summary>
    /// The SHA-256 (lower-case hex) of <see cref="GroupKey"/>: what Alertmanager sends as PagerDuty's
    /// <c>dedup_key</c> and uses wherever a fixed-length group id is needed.
    /// </summary>
    public string GroupKeyHash(Labels labels) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(GroupKey(labels))));

    /// <summary>Prometheus' <c>LabelSet.String()</c>: sorted, <c>", "</c>-separated, Go-quoted values.</summary>
    public static string FormatLabelSet(Labels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return "{" + string.Join(", ", labels.Select(l => l.Name + "=" + MatcherParser.GoQuote(l.Value))) + "}";
    }
}

/// <summary>A route exactly as written (unset options are null), before inheritance.</summary>
internal sealed record RouteSpec
{
    public int Line { get; init; }

    public string? Receiver { get; init; }

    public IReadOnlyList<string>? GroupBy { get; init; }

    public TimeSpan? GroupWait { get; init; }

    public TimeSpan? GroupInterval { get; init; }

    public TimeSpan? RepeatInterval { get; init; }

    public bool Continue { get; init; }

    public IReadOnlyList<LabelMatcher> Match { get; init; } = [];

    public IReadOnlyList<LabelMatcher> MatchRe { get; init; } = [];

    public IReadOnlyList<LabelMatcher> Matchers { get; init; } = [];

    public IReadOnlyList<string> MuteTimeIntervals { get; init; } = [];

    public IReadOnlyList<string> ActiveTimeIntervals { get; init; } = [];

    public IReadOnlyList<RouteSpec> Routes { get; init; } = [];

    public bool HasMatchers => Match.Count > 0 || MatchRe.Count > 0 || Matchers.Count > 0;

    public IReadOnlyList<LabelMatcher> AllMatchers()
    {
        var all = Match.Concat(MatchRe).Concat(Matchers).ToList();
        all.Sort(MatcherParser.Compare);
        return all;
    }
}
