using System.IO.Hashing;
using System.Text;

namespace Alerting.Core.FanOut;

/// <summary>A rule group as the evaluation timer sees it: identity, interval, and when it was last evaluated.</summary>
public sealed record GroupSchedule(string File, string Name, TimeSpan Interval, DateTimeOffset? LastEvaluatedAt);

/// <summary>One queue message's worth of evaluation: one rule group at one aligned timestamp.</summary>
/// <param name="Missed">Evaluations skipped since the last one (Prometheus' <c>rule_group_iterations_missed_total</c>); never backfilled.</param>
public sealed record GroupEvaluationWork(string File, string Name, DateTimeOffset EvaluateAt, int Missed);

/// <summary>What a group evaluation message does when it arrives.</summary>
public enum EvaluationDecision
{
    Evaluate,

    /// <summary>The group already has an evaluation at or after this timestamp (a duplicate, or another instance).</summary>
    AlreadyEvaluated,

    /// <summary>The group's next slot has begun: that slot's message evaluates it; Prometheus does not backfill.</summary>
    Superseded,
}

/// <summary>
/// The evaluation timer's plan: each rule group is due once per interval at Prometheus' aligned timestamp
/// (<c>Group.EvalTimestamp</c>: an offset of the group's hash modulo its interval, so groups spread over the
/// interval and every instance computes the same slot). Pure.
/// </summary>
public static class EvaluationPlanner
{
    private const long NanosPerTick = 100;

    /// <summary>
    /// The latest slot at or before <paramref name="now"/>: Prometheus' offset is
    /// <c>labels{file, name}.Hash() % interval</c> in nanoseconds, the xxHash64 of "file\xff&lt;file&gt;\xffname\xff&lt;name&gt;\xff".
    /// </summary>
    public static DateTimeOffset Slot(string file, string name, TimeSpan interval, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(name);
        var intervalNs = interval.Ticks * NanosPerTick;
        if (intervalNs <= 0)
        {
            return now;
        }
        var offset = (long)(GroupHash(file, name) % (ulong)intervalNs);
        var nowNs = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * NanosPerTick;
        var adjusted = nowNs - offset;
        var slotNs = adjusted - Mod(adjusted, intervalNs) + offset;
        return DateTimeOffset.UnixEpoch.AddTicks(slotNs / NanosPerTick);
    }

    /// <summary>One work item per group whose current slot has not been evaluated yet; a group evaluated at or after it is left alone.</summary>
    public static IReadOnlyList<GroupEvaluationWork> Plan(IEnumerable<GroupSchedule> groups, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var work = new List<GroupEvaluationWork>();
        foreach (var g in groups)
        {
            var slot = Slot(g.File, g.Name, g.Interval, now);
            if (g.LastEvaluatedAt is { } last && last >= slot)
            {
                continue;
            }
            var missed = g.LastEvaluatedAt is { } l && g.Interval > TimeSpan.Zero ? Math.Max(0, (int)((slot - l).Ticks / g.Interval.Ticks) - 1) : 0;
            work.Add(new GroupEvaluationWork(g.File, g.Name, slot, missed));
        }
        return work;
    }

    /// <summary>Whether a message for <paramref name="evaluateAt"/> evaluates, given the group's stored state and the clock.</summary>
    public static EvaluationDecision Decide(DateTimeOffset evaluateAt, TimeSpan interval, DateTimeOffset? lastEvaluatedAt, DateTimeOffset now)
    {
        if (lastEvaluatedAt is { } last && last >= evaluateAt)
        {
            return EvaluationDecision.AlreadyEvaluated;
        }
        return interval > TimeSpan.Zero && now >= evaluateAt + interval ? EvaluationDecision.Superseded : EvaluationDecision.Evaluate;
    }

    private static ulong GroupHash(string file, string name)
    {
        var bytes = new List<byte>(file.Length + name.Length + 16);
        void Add(string s)
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(s));
            bytes.Add(0xff);
        }
        Add("file");
        Add(file);
        Add("name");
        Add(name);
        return XxHash64.HashToUInt64(bytes.ToArray());
    }

    private static long Mod(long a, long b) => ((a % b) + b) % b;
}
