using System.Globalization;
using System.Text;
using Alerting.Core.Model;
using Alerting.Core.PromQL;

namespace Alerting.Core.Rules;

/// <summary>Prometheus' <c>--rules.alert.for-outage-tolerance</c> (1h) and <c>--rules.alert.for-grace-period</c> (10m).</summary>
public sealed record ForStateRestoreOptions
{
    public TimeSpan OutageTolerance { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan ForGracePeriod { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Prometheus' <c>RestoreForState</c>: on a group's first evaluation with no stored state of its own, each
/// active alert of a rule with <c>for</c> at least the grace period takes its <c>ActiveAt</c> back from the
/// last <c>ALERTS_FOR_STATE</c> sample (value: the old ActiveAt in seconds; time: when the old evaluator
/// last ran) within the outage tolerance. An alert that had been firing gets its old ActiveAt and fires on
/// the next evaluation; a pending one resumes with the time it had pending (ActiveAt moves on by the
/// outage), but never fires sooner than the grace period from now.
/// </summary>
public static class ForStateRestore
{
    public const string Metric = "ALERTS_FOR_STATE";

    /// <summary>The range query Prometheus' <c>QueryForStateSeries</c> makes: the alert's labels as equality matchers.</summary>
    public static string Query(ActiveAlert alert, TimeSpan outageTolerance)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var sb = new StringBuilder(Metric).Append('{');
        var first = true;
        foreach (var l in alert.Labels.Where(l => l.Name != Labels.MetricName))
        {
            sb.Append(first ? string.Empty : ",").Append(l.Name).Append("=\"").Append(Escape(l.Value)).Append('"');
            first = false;
        }
        return sb.Append("}[").Append(((long)outageTolerance.TotalSeconds).ToString(CultureInfo.InvariantCulture)).Append("s]").ToString();
    }

    /// <summary>
    /// The restored ActiveAt for an alert of a rule holding for <paramref name="holdFor"/>, evaluated at
    /// <paramref name="ts"/>, whose last <c>ALERTS_FOR_STATE</c> sample was <paramref name="value"/> at
    /// <paramref name="downAtMs"/>; null when Prometheus would not restore.
    /// </summary>
    /// <remarks>
    /// One deviation: Prometheus moves ActiveAt on by the whole time since the old evaluator's last sample, so
    /// even a restart that missed no evaluation delays the alert by an interval. We count as outage only the
    /// time beyond one <paramref name="interval"/>, so a restart between two evaluations fires the alert at the
    /// time it would have fired without one.
    /// </remarks>
    public static DateTimeOffset? RestoredActiveAt(TimeSpan holdFor, TimeSpan interval, DateTimeOffset ts, long downAtMs, double value, ForStateRestoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (holdFor < options.ForGracePeriod || double.IsNaN(value) || double.IsInfinity(value))
        {
            return null;
        }
        var restored = DateTimeOffset.FromUnixTimeSeconds((long)value);
        var downAt = DateTimeOffset.FromUnixTimeSeconds(downAtMs / 1000);
        var remaining = holdFor - (downAt - restored);
        if (remaining <= TimeSpan.Zero)
        {
            // It was firing when the old evaluator stopped: the next evaluation fires it again if it still holds.
            return restored;
        }
        if (remaining < options.ForGracePeriod)
        {
            return ts + options.ForGracePeriod - holdFor;
        }
        var outage = ts - downAt - interval;
        return outage > TimeSpan.Zero ? restored + outage : restored;
    }

    /// <summary>
    /// <paramref name="evaluation"/> of <paramref name="group"/> at <paramref name="ts"/> with the alerts' ActiveAt
    /// restored from <paramref name="querier"/>, and the <c>ALERTS_FOR_STATE</c> it records carrying them. A
    /// query that fails leaves that alert as evaluated (as Prometheus logs and goes on).
    /// </summary>
    public static GroupEvaluation Restore(RuleGroup group, GroupEvaluation evaluation, DateTimeOffset ts, IRuleQuerier querier, ForStateRestoreOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(querier);
        ArgumentNullException.ThrowIfNull(options);
        var rules = group.Rules.OfType<AlertingRule>().ToDictionary(r => r.Alert, StringComparer.Ordinal);
        var restored = new Dictionary<Labels, DateTimeOffset>();
        var state = evaluation.State.Select(a =>
        {
            if (a.State is not (AlertState.Pending or AlertState.Firing) || !rules.TryGetValue(a.Rule, out var rule) || rule.For < options.ForGracePeriod)
            {
                return a;
            }
            QueryValue answer;
            try
            {
                answer = querier.Instant(Query(a, options.OutageTolerance), null, ts.ToUnixTimeMilliseconds(), ct);
            }
            catch (RuleEvaluationException)
            {
                return a;
            }
            var last = (answer as MatrixValue)?.Series.Where(s => s.Samples.Count > 0).Select(s => s.Samples[^1]).OrderBy(s => s.TimestampMs).LastOrDefault();
            if (last is not { } sample || RestoredActiveAt(rule.For, group.Interval, ts, sample.TimestampMs, sample.Value, options) is not { } activeAt)
            {
                return a;
            }
            restored[a.Labels.With(Labels.MetricName, Metric)] = activeAt;
            return a with { ActiveAt = activeAt };
        }).ToArray();
        if (restored.Count == 0)
        {
            return evaluation;
        }
        var recorded = evaluation.Recorded.Select(s =>
            s.Labels.Get(Labels.MetricName) == Metric && restored.TryGetValue(s.Labels, out var at)
                ? new Series(s.Labels, s.Samples.Select(x => x with { Value = at.ToUnixTimeSeconds() }).ToArray())
                : s).ToArray();
        return evaluation with { State = state, Recorded = recorded };
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
