using System.Globalization;
using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;
using Alerting.Core.PromQL;
using Alerting.Core.Templating;

namespace Alerting.Core.Rules;

/// <summary>What one evaluation of a group produced.</summary>
public sealed record GroupEvaluation(
    IReadOnlyList<ActiveAlert> State,
    IReadOnlyList<Series> Recorded,
    IReadOnlyList<Alert> ToSend,
    IReadOnlyList<RuleStatus> Health);

public sealed record RuleEvaluationContext(
    Labels ExternalLabels,
    string ExternalUrl,
    TimeSpan ResendDelay)
{
    public static RuleEvaluationContext Default { get; } = new(Labels.Empty, "http://localhost", TimeSpan.FromMinutes(1));
}

/// <summary>
/// Evaluates a rule group at one instant with Prometheus' semantics (rules/alerting.go and
/// rules/manager.go): rules run in order and later rules see earlier rules' output; alerts go
/// pending → firing after <c>for</c>, stay firing for <c>keep_firing_for</c>, are kept 15 minutes
/// after resolving so the resolution is delivered, and are (re)sent at most every resend delay.
/// </summary>
public sealed class RuleGroupEvaluator(PromQlEngine engine)
{
    /// <summary>How long resolved alerts are remembered and re-sent as resolved (Prometheus' resolvedRetention).</summary>
    public static readonly TimeSpan ResolvedRetention = TimeSpan.FromMinutes(15);

    public GroupEvaluation Evaluate(
        RuleGroup group,
        ISeriesSource source,
        DateTimeOffset now,
        IReadOnlyList<ActiveAlert> previous,
        RuleEvaluationContext context,
        CancellationToken ct = default)
    {
        var overlay = new MemorySeriesStore();
        // Stored samples do not change during one evaluation, so rules selecting the same series share
        // one scan; this evaluation's own output (overlay) is read live.
        var combined = new CompositeSeriesSource(new CachingSeriesSource(source), overlay);
        return Evaluate(group, new EngineRuleQuerier(engine, combined), overlay, now, previous, context, ct);
    }

    /// <summary>
    /// Evaluates <paramref name="group"/> with every query (rule expressions and templates' <c>query</c>)
    /// answered by <paramref name="querier"/>, such as a remote Prometheus-compatible API. As with vmalert
    /// and the Thanos ruler, later rules see earlier rules' output only once it reached that datasource.
    /// </summary>
    public GroupEvaluation Evaluate(
        RuleGroup group,
        IRuleQuerier querier,
        DateTimeOffset now,
        IReadOnlyList<ActiveAlert> previous,
        RuleEvaluationContext context,
        CancellationToken ct = default) =>
        Evaluate(group, querier, new MemorySeriesStore(), now, previous, context, ct);

    private GroupEvaluation Evaluate(
        RuleGroup group,
        IRuleQuerier combined,
        MemorySeriesStore overlay,
        DateTimeOffset now,
        IReadOnlyList<ActiveAlert> previous,
        RuleEvaluationContext context,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(group);
        var evalTime = now - group.QueryOffset;
        var evalMs = evalTime.ToUnixTimeMilliseconds();
        var byRule = previous.GroupBy(a => a.Rule, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var state = new List<ActiveAlert>();
        var recorded = new List<Series>();
        var toSend = new List<Alert>();
        var health = new List<RuleStatus>();

        foreach (var rule in group.Rules)
        {
            ct.ThrowIfCancellationRequested();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var prior = rule is AlertingRule ? byRule.GetValueOrDefault(rule.Name) ?? [] : [];
            try
            {
                var vector = ToVector(combined.Instant(rule.ExprText, rule.Expr, evalMs, ct), evalMs);
                switch (rule)
                {
                    case RecordingRule rr:
                        if (group.Limit > 0 && vector.Count > group.Limit)
                        {
                            throw new RuleEvaluationException(string.Create(CultureInfo.InvariantCulture, $"exceeded limit of {group.Limit} with {vector.Count} series"));
                        }
                        foreach (var s in Record(rr, vector, evalMs))
                        {
                            overlay.Append(s);
                            recorded.Add(s);
                        }
                        break;
                    case AlertingRule ar:
                        var next = EvalAlerting(ar, group, vector, prior, now, context, combined, evalMs, ct);
                        toSend.AddRange(Send(next, now, group.Interval, context));
                        state.AddRange(next);
                        foreach (var s in AlertSeries(next, evalMs))
                        {
                            overlay.Append(s);
                            recorded.Add(s);
                        }
                        break;
                }
                health.Add(new RuleStatus(rule.Name, RuleHealth.Ok, null, System.Diagnostics.Stopwatch.GetElapsedTime(started)));
            }
            catch (Exception e) when (e is PromQlEvaluationException or RuleEvaluationException)
            {
                // A failing rule keeps its previous alerts untouched and never stops the group.
                state.AddRange(prior);
                health.Add(new RuleStatus(rule.Name, RuleHealth.Err, e.Message, System.Diagnostics.Stopwatch.GetElapsedTime(started)));
            }
        }
        return new GroupEvaluation(state, recorded, toSend, health);
    }

    private static IReadOnlyList<VectorSample> ToVector(QueryValue value, long t) => value switch
    {
        VectorValue v => v.Samples,
        ScalarValue s => [new VectorSample(Labels.Empty, t, s.Value)],
        MatrixValue => throw new RuleEvaluationException("rule result is a range vector; a rule's expression must give an instant vector or scalar"),
        _ => throw new RuleEvaluationException($"rule result is not a vector or scalar: {value.GetType().Name}"),
    };

    private static IEnumerable<Series> Record(RecordingRule rule, IReadOnlyList<VectorSample> vector, long t)
    {
        var seen = new HashSet<Labels>();
        foreach (var s in vector)
        {
            var labels = s.Labels.With(Labels.MetricName, rule.Record);
            foreach (var (k, v) in rule.Labels)
            {
                labels = labels.With(k, v);
            }
            if (!seen.Add(labels))
            {
                throw new RuleEvaluationException("vector contains metrics with the same labelset after applying rule labels");
            }
            yield return s.Histogram is { } h
                ? new Series(labels, [], [new HistogramSample(t, h)])
                : new Series(labels, [new Sample(t, s.Value)]);
        }
    }

    private List<ActiveAlert> EvalAlerting(
        AlertingRule rule,
        RuleGroup group,
        IReadOnlyList<VectorSample> vector,
        IReadOnlyList<ActiveAlert> prior,
        DateTimeOffset now,
        RuleEvaluationContext ctx,
        IRuleQuerier source,
        long evalMs,
        CancellationToken ct)
    {
        var active = prior.ToDictionary(a => a.Labels);
        var seen = new HashSet<Labels>();
        Func<string, IReadOnlyList<(Labels Labels, double Value)>> query = q =>
            ToVector(source.Instant(q, null, evalMs, ct), evalMs).Select(s => (s.Labels, s.Value)).ToArray();

        foreach (var sample in vector)
        {
            var metric = sample.Labels.WithoutName();
            var pairs = metric.ToList();
            foreach (var (k, v) in rule.Labels)
            {
                pairs.RemoveAll(p => p.Name == k);
                pairs.Add(new Label(k, PrometheusRuleTemplates.Expand(v, metric, sample.Value, ctx.ExternalLabels, ctx.ExternalUrl, query, rule.Alert, now)));
            }
            pairs.RemoveAll(p => p.Name == "alertname");
            pairs.Add(new Label("alertname", rule.Alert));
            var labels = Labels.From(pairs);
            if (!seen.Add(labels))
            {
                throw new RuleEvaluationException("vector contains metrics with the same labelset after applying alert labels");
            }
            var annotations = Labels.AnnotationsFrom(rule.Annotations.Select(a =>
                new Label(a.Key, PrometheusRuleTemplates.Expand(a.Value, metric, sample.Value, ctx.ExternalLabels, ctx.ExternalUrl, query, rule.Alert, now))));
            if (active.TryGetValue(labels, out var existing) && existing.State != AlertState.Inactive)
            {
                active[labels] = existing with { Value = sample.Value, Annotations = annotations, KeepFiringSince = null };
            }
            else
            {
                active[labels] = new ActiveAlert(rule.Alert, labels, annotations, AlertState.Pending, sample.Value, now);
            }
        }

        var result = new List<ActiveAlert>();
        var pendingOrFiring = 0;
        foreach (var a0 in active.Values)
        {
            var a = a0;
            if (!seen.Contains(a.Labels))
            {
                var keepFiring = false;
                if (a.State == AlertState.Firing && rule.KeepFiringFor > TimeSpan.Zero)
                {
                    a = a with { KeepFiringSince = a.KeepFiringSince ?? now };
                    keepFiring = now - a.KeepFiringSince!.Value < rule.KeepFiringFor;
                }
                if (a.State == AlertState.Pending || (a.ResolvedAt is { } r && now - r > ResolvedRetention))
                {
                    continue; // forgotten
                }
                if (a.State != AlertState.Inactive && !keepFiring)
                {
                    a = a with { State = AlertState.Inactive, ResolvedAt = now };
                }
                if (!keepFiring)
                {
                    result.Add(a);
                    continue;
                }
            }
            pendingOrFiring++;
            if (a.State == AlertState.Pending && now - a.ActiveAt >= rule.For)
            {
                a = a with { State = AlertState.Firing, FiredAt = now };
            }
            result.Add(a);
        }
        if (group.Limit > 0 && pendingOrFiring > group.Limit)
        {
            throw new RuleEvaluationException(string.Create(CultureInfo.InvariantCulture, $"exceeded limit of {group.Limit} with {pendingOrFiring} alerts"));
        }
        return result;
    }

    private static IEnumerable<Series> AlertSeries(IReadOnlyList<ActiveAlert> alerts, long t)
    {
        foreach (var a in alerts.Where(a => a.State != AlertState.Inactive))
        {
            var stateName = a.State == AlertState.Firing ? "firing" : "pending";
            yield return new Series(a.Labels.With(Labels.MetricName, "ALERTS").With("alertstate", stateName), [new Sample(t, 1)]);
            yield return new Series(a.Labels.With(Labels.MetricName, "ALERTS_FOR_STATE"), [new Sample(t, a.ActiveAt.ToUnixTimeSeconds())]);
        }
    }

    /// <summary>
    /// Prometheus' sendAlerts: pending alerts are never sent; an alert is sent when it resolved since
    /// it was last sent, or the resend delay passed. Firing alerts are valid for four intervals so two
    /// missed evaluations do not resolve them at the receiver.
    /// </summary>
    private static List<Alert> Send(List<ActiveAlert> alerts, DateTimeOffset now, TimeSpan interval, RuleEvaluationContext ctx)
    {
        var sent = new List<Alert>();
        for (var i = 0; i < alerts.Count; i++)
        {
            var a = alerts[i];
            var lastSent = a.LastSentAt ?? DateTimeOffset.MinValue;
            var needs = a.State != AlertState.Pending
                && ((a.ResolvedAt is { } resolved && resolved > lastSent) || lastSent + ctx.ResendDelay < now);
            if (!needs)
            {
                continue;
            }
            var delta = interval > ctx.ResendDelay ? interval : ctx.ResendDelay;
            var updated = a with { LastSentAt = now, ValidUntil = now + (4 * delta) };
            alerts[i] = updated;
            var labels = a.Labels;
            foreach (var l in ctx.ExternalLabels)
            {
                if (!labels.Has(l.Name))
                {
                    labels = labels.With(l.Name, l.Value);
                }
            }
            sent.Add(new Alert(
                labels,
                a.Annotations,
                a.FiredAt ?? a.ActiveAt,
                a.State == AlertState.Inactive ? a.ResolvedAt : updated.ValidUntil,
                ctx.ExternalUrl.TrimEnd('/') + "/graph?g0.expr=" + Uri.EscapeDataString(a.Rule)));
        }
        return sent;
    }
}

public sealed class RuleEvaluationException(string message) : Exception(message);

/// <summary>
/// Answers a rule group's instant queries: the embedded PromQL engine, or a remote query API. A failure
/// the rule's health should show throws <see cref="RuleEvaluationException"/> or <see cref="PromQlEvaluationException"/>.
/// </summary>
public interface IRuleQuerier
{
    /// <param name="query">The expression as written.</param>
    /// <param name="parsed">Its parsed form when the caller has one (rule expressions), else null.</param>
    QueryValue Instant(string query, Expr? parsed, long timeMs, CancellationToken ct);
}

/// <summary>The embedded engine over a series source.</summary>
public sealed class EngineRuleQuerier(PromQlEngine engine, ISeriesSource source) : IRuleQuerier
{
    public QueryValue Instant(string query, Expr? parsed, long timeMs, CancellationToken ct) =>
        engine.Instant(parsed ?? PromQlParser.Parse(query), source, timeMs, ct);
}

/// <summary>
/// Reads through several sources as one (stored samples plus this evaluation's recorded output); a
/// series present in more than one source is merged into one, as one TSDB would hold it.
/// </summary>
public sealed class CompositeSeriesSource(params ISeriesSource[] sources) : ISeriesSource
{
    public IEnumerable<Series> Select(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs)
    {
        if (sources.Length == 1)
        {
            return sources[0].Select(matchers, minTimeMs, maxTimeMs);
        }
        var merged = new Dictionary<Labels, (List<Sample> Floats, List<HistogramSample> Histograms)>();
        var order = new List<Labels>();
        foreach (var source in sources)
        {
            foreach (var s in source.Select(matchers, minTimeMs, maxTimeMs))
            {
                if (merged.TryGetValue(s.Labels, out var lists))
                {
                    lists.Floats.AddRange(s.Samples);
                    lists.Floats.Sort(static (a, b) => a.TimestampMs.CompareTo(b.TimestampMs));
                    lists.Histograms.AddRange(s.Histograms);
                    lists.Histograms.Sort(static (a, b) => a.TimestampMs.CompareTo(b.TimestampMs));
                }
                else
                {
                    merged[s.Labels] = ([.. s.Samples], [.. s.Histograms]);
                    order.Add(s.Labels);
                }
            }
        }
        return order.Select(l => new Series(l, merged[l].Floats, merged[l].Histograms));
    }
}
