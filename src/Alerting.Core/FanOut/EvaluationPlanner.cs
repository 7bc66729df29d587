using System.IO.Hashing;
using System.Text;

namespace Alerting.Core.FanOut;

/// <summary>A rule group as the evaluation timer sees it: identity, interval, and when it was last evaluated.</summary>
public sealed record GroupSchedule(string File, string Name, TimeSpan Interval, DateTimeOffset? LastEvaluatedAt);

/// <summary>One queue message's worth of evaluation: one rule group for one aligned slot.</summary>
/// <param name="Slot">The group's aligned slot this evaluation is for: every instance computes the same one, so it identifies the evaluation.</param>
/// <param name="EvaluateAt">The query time: the timer run that planned the slot, at or just after it.</param>
/// <param name="Missed">Slots skipped since the last evaluation (Prometheus' <c>rule_group_iterations_missed_total</c>); never backfilled.</param>
public sealed record GroupEvaluationWork(string File, string Name, DateTimeOffset Slot, DateTimeOffset EvaluateAt, int Missed);

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
/// The evaluation timer's plan: each rule group is due once per interval, in Prometheus' aligned slots
/// (<c>Group.EvalTimestamp</c>: an offset of the group's hash modulo its interval, so groups spread over the
/// interval and every instance computes the same slot). A slot is evaluated by the first timer run at or
/// after it, at that run's time: the timer's cadence quantizes Prometheus' ticker, and the query sees the
/// scrapes up to the moment it was planned rather than up to an instant already past. Pure.
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
        // Rounded up to .NET's 100 ns: still at or before now (a multiple of 100 ns), and the slot of the slot itself.
        return DateTimeOffset.UnixEpoch.AddTicks((slotNs + NanosPerTick - 1) / NanosPerTick);
    }

    /// <summary>One work item per group whose current slot has not been evaluated yet (evaluated at <paramref name="now"/>); a group evaluated at or after its slot is left alone.</summary>
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
            // Counted from the slot the last evaluation was for, not its time: a group is evaluated after its slot
            // began (the planning run's time), so the time alone would hide the slot just skipped.
            var missed = g.LastEvaluatedAt is { } l && g.Interval > TimeSpan.Zero
                ? Math.Max(0, (int)((slot - Slot(g.File, g.Name, g.Interval, l)).Ticks / g.Interval.Ticks) - 1)
                : 0;
            work.Add(new GroupEvaluationWork(g.File, g.Name, slot, now, missed));
        }
        return work;
    }

    /// <summary>Whether a message for <paramref name="slot"/> evaluates, given the group's stored state and the clock.</summary>
    public static EvaluationDecision Decide(DateTimeOffset slot, TimeSpan interval, DateTimeOffset? lastEvaluatedAt, DateTimeOffset now)
    {
        if (lastEvaluatedAt is { } last && last >= slot)
        {
            return EvaluationDecision.AlreadyEvaluated;
        }
        return interval > TimeSpan.Zero && now >= slot + interval ? EvaluationDecision.Superseded : EvaluationDecision.Evaluate;
    }

    /// <summary>
    /// What a message does, and the query time it evaluates at. A message whose slot has passed evaluates the slot
    /// <paramref name="now"/> is in, unless that one is done: when every message waits in the queue longer than the
    /// group's interval (instances behind on a loaded machine), superseding each late one would leave the group never
    /// evaluated, where Prometheus' slow group misses iterations and evaluates at its next tick. The next slot's own
    /// message then finds it evaluated, so no slot is evaluated twice.
    /// </summary>
    public static (EvaluationDecision Decision, DateTimeOffset EvaluateAt) Resolve(GroupEvaluationWork work, TimeSpan interval, DateTimeOffset? lastEvaluatedAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(work);
        var decision = Decide(work.Slot, interval, lastEvaluatedAt, now);
        if (decision != EvaluationDecision.Superseded)
        {
            return (decision, work.EvaluateAt);
        }
        return (Decide(Slot(work.File, work.Name, interval, now), interval, lastEvaluatedAt, now), now);
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
