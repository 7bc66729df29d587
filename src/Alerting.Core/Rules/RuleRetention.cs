using System.Globalization;
using System.Text.RegularExpressions;
using Alerting.Core.Model;
using Alerting.Core.PromQL;

namespace Alerting.Core.Rules;

/// <summary>How much sample history one rule reads back from its evaluation time, and what in it decides that.</summary>
public sealed record RetentionNeed(string File, string Group, string Rule, int Line, TimeSpan Duration, string Reason)
{
    /// <summary>The load-time error when the configured retention is shorter than this need.</summary>
    public string Describe(TimeSpan configured) => string.Create(CultureInfo.InvariantCulture,
        $"{File}:{Line}: group \"{Group}\", rule \"{Rule}\" reads {RuleRetention.Format(Duration)} of samples ({Reason}), longer than Alerting:SampleRetention ({RuleRetention.Format(configured)})");
}

/// <summary>
/// What the loaded rules need from the sample store: how far back each rule reads and which selectors
/// it reads through. A rule reads back the longest of: a range selector's range, an instant selector's
/// lookback (5 minutes), a subquery's range plus what its inner expression reads, each shifted by its
/// <c>offset</c>, by a fixed <c>@</c> time in the past, and by the group's <c>query_offset</c>. An alerting
/// rule with <c>for</c>/<c>keep_firing_for</c> also needs that long of its own <c>ALERTS_FOR_STATE</c> to
/// restore its state the way Prometheus does after a restart.
/// </summary>
public static partial class RuleRetention
{
    public static readonly TimeSpan DefaultLookback = TimeSpan.FromMinutes(5);

    /// <summary>Each rule's need, in file order.</summary>
    public static IReadOnlyList<RetentionNeed> Needs(IEnumerable<RuleFile> files, DateTimeOffset now, TimeSpan? lookback = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var lb = (long)(lookback ?? DefaultLookback).TotalMilliseconds;
        var nowMs = now.ToUnixTimeMilliseconds();
        var result = new List<RetentionNeed>();
        foreach (var file in files)
        {
            foreach (var group in file.Groups)
            {
                foreach (var rule in group.Rules)
                {
                    var (ms, reason) = Need(rule.Expr, lb, nowMs);
                    ms += (long)group.QueryOffset.TotalMilliseconds;
                    if (rule is AlertingRule ar && ar.For + ar.KeepFiringFor > TimeSpan.Zero)
                    {
                        var restore = (long)(ar.For + ar.KeepFiringFor).TotalMilliseconds;
                        if (restore > ms)
                        {
                            ms = restore;
                            reason = ar.KeepFiringFor > TimeSpan.Zero
                                ? $"for: {Format(ar.For)} plus keep_firing_for: {Format(ar.KeepFiringFor)}, restored from ALERTS_FOR_STATE"
                                : $"for: {Format(ar.For)}, restored from ALERTS_FOR_STATE";
                        }
                    }
                    result.Add(new RetentionNeed(group.File, group.Name, rule.Name, rule.Line, TimeSpan.FromMilliseconds(ms), reason));
                }
            }
        }
        return result;
    }

    /// <summary>The longest need, or <paramref name="minimum"/> when no rule needs more.</summary>
    public static TimeSpan Required(IEnumerable<RuleFile> files, DateTimeOffset now, TimeSpan minimum) =>
        Needs(files, now).Select(n => n.Duration).Append(minimum).Max();

    /// <summary>The needs a configured retention does not meet, worst first.</summary>
    public static IReadOnlyList<RetentionNeed> Unmet(IEnumerable<RuleFile> files, TimeSpan configured, DateTimeOffset now) =>
        [.. Needs(files, now).Where(n => n.Duration > configured).OrderByDescending(n => n.Duration)];

    /// <summary>
    /// Every selector the rules evaluate, including those in template <c>query</c> calls of labels and
    /// annotations, as matcher lists: the series the store must keep at hand.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<LabelMatcher>> Selectors(IEnumerable<RuleFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var result = new List<IReadOnlyList<LabelMatcher>>();
        foreach (var rule in files.SelectMany(f => f.Groups).SelectMany(g => g.Rules))
        {
            Collect(rule.Expr, result);
            var templates = rule.Labels.Values.AsEnumerable();
            if (rule is AlertingRule ar)
            {
                templates = templates.Concat(ar.Annotations.Values);
            }
            foreach (var text in templates)
            {
                foreach (Match m in TemplateQuery().Matches(text))
                {
                    var q = m.Groups["dq"].Success ? Regex.Unescape(m.Groups["dq"].Value) : m.Groups["bq"].Value;
                    try
                    {
                        Collect(PromQlParser.Parse(q), result);
                    }
                    catch (PromQlParseException)
                    {
                        // The template reports its own error when it runs; nothing to keep for it.
                    }
                }
            }
        }
        return result;
    }

    public static string Format(TimeSpan d) => PromDuration(d);

    private static (long Ms, string Reason) Need(Expr e, long lookback, long nowMs)
    {
        switch (e)
        {
            case VectorSelector vs:
                return (Math.Max(0, Shift(vs.At, vs.AtMs, vs.OffsetMs, nowMs) + lookback), $"instant selector {vs} with its {Format(TimeSpan.FromMilliseconds(lookback))} lookback");
            case MatrixSelector ms:
                return (Math.Max(0, Shift(ms.Vector.At, ms.Vector.AtMs, ms.Vector.OffsetMs, nowMs) + ms.RangeMs), $"range selector {ms}");
            case SubqueryExpr sq:
                {
                    var (inner, why) = Need(sq.Inner, lookback, nowMs);
                    return (Math.Max(0, Shift(sq.At, sq.AtMs, sq.OffsetMs, nowMs) + sq.RangeMs + inner), $"subquery {sq}, whose inner {why}");
                }
            default:
                var best = (Ms: 0L, Reason: "no selectors");
                foreach (var child in Children(e))
                {
                    var n = Need(child, lookback, nowMs);
                    if (n.Ms > best.Ms)
                    {
                        best = n;
                    }
                }
                return best;
        }
    }

    /// <summary>
    /// How far before evaluation time an <c>offset</c> and <c>@</c> move the read; negative when they move it
    /// into the future, so a negative offset shortens the history the selector's own range or lookback needs.
    /// </summary>
    private static long Shift(AtKind at, long atMs, long offsetMs, long nowMs)
    {
        var back = offsetMs;
        if (at == AtKind.Timestamp)
        {
            back += nowMs - atMs;
        }
        return back;
    }

    private static IEnumerable<Expr> Children(Expr e) => e switch
    {
        ParenExpr p => [p.Inner],
        UnaryExpr u => [u.Operand],
        BinaryExpr b => [b.Lhs, b.Rhs],
        AggregateExpr a => a.Param is null ? [a.Inner] : [a.Inner, a.Param],
        Call c => c.Args,
        SubqueryExpr s => [s.Inner],
        MatrixSelector m => [m.Vector],
        _ => [],
    };

    private static void Collect(Expr e, List<IReadOnlyList<LabelMatcher>> into)
    {
        if (e is VectorSelector vs)
        {
            into.Add(vs.Matchers);
            return;
        }
        foreach (var c in Children(e))
        {
            Collect(c, into);
        }
    }

    /// <summary>Prometheus' duration format (model.Duration.String): 1d2h, 24h, 5m30s.</summary>
    private static string PromDuration(TimeSpan d)
    {
        var ms = (long)d.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }
        var sb = new System.Text.StringBuilder();
        void Unit(long size, string name)
        {
            if (ms >= size)
            {
                sb.Append(ms / size).Append(name);
                ms %= size;
            }
        }
        Unit(365L * 24 * 3_600_000, "y");
        Unit(7L * 24 * 3_600_000, "w");
        Unit(24L * 3_600_000, "d");
        Unit(3_600_000, "h");
        Unit(60_000, "m");
        Unit(1_000, "s");
        Unit(1, "ms");
        return sb.ToString();
    }

    [GeneratedRegex("""query\s+(?:"(?<dq>(?:[^"\\]|\\.)*)"|`(?<bq>[^`]*)`)""")]
    private static partial Regex TemplateQuery();
}
