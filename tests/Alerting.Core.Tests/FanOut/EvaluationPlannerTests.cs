using Alerting.Core.FanOut;

namespace Alerting.Core.Tests.FanOut;

public sealed class EvaluationPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 6, 0, 7, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void A_groups_slot_is_at_or_before_now_and_at_most_one_interval_back()
    {
        var slot = EvaluationPlanner.Slot("rules/node.rules.yml", "node", Minute, Now);
        Assert.InRange(slot, Now - Minute + TimeSpan.FromTicks(1), Now);
    }

    [Fact]
    public void Slots_repeat_every_interval_at_the_same_offset_and_every_instance_computes_the_same_one()
    {
        var a = EvaluationPlanner.Slot("f.yml", "g", Minute, Now);
        var b = EvaluationPlanner.Slot("f.yml", "g", Minute, Now + Minute);
        var c = EvaluationPlanner.Slot("f.yml", "g", Minute, a + TimeSpan.FromSeconds(59));
        Assert.Equal(a + Minute, b);
        Assert.Equal(a, c);
    }

    [Fact]
    public void Groups_are_spread_over_the_interval_by_their_identity()
    {
        var offsets = Enumerable.Range(0, 100).Select(i => EvaluationPlanner.Slot("f.yml", $"group-{i}", Minute, Now).Second).Distinct().Count();
        Assert.True(offsets > 30, $"only {offsets} distinct seconds for 100 groups");
    }

    [Fact]
    public void The_slot_follows_prometheus_hash_offset()
    {
        // Prometheus 2.42 Group.EvalTimestamp: offset = xxhash64("file\xff<file>\xffname\xff<name>\xff") % interval (ns).
        byte[] bytes = [.. "file"u8, 0xff, .. "f.yml"u8, 0xff, .. "name"u8, 0xff, .. "g"u8, 0xff];
        var offsetNs = System.IO.Hashing.XxHash64.HashToUInt64(bytes) % (ulong)(Minute.Ticks * 100);
        var slot = EvaluationPlanner.Slot("f.yml", "g", Minute, Now);
        var slotNs = (slot - DateTimeOffset.UnixEpoch).Ticks * 100;
        Assert.Equal((long)((offsetNs + 99) / 100 * 100) % (Minute.Ticks * 100), ((slotNs % (Minute.Ticks * 100)) + (Minute.Ticks * 100)) % (Minute.Ticks * 100));
    }

    [Fact]
    public void Only_groups_whose_current_slot_is_not_evaluated_are_planned()
    {
        var slotA = EvaluationPlanner.Slot("f.yml", "a", Minute, Now);
        var plan = EvaluationPlanner.Plan(
        [
            new GroupSchedule("f.yml", "a", Minute, slotA),
            new GroupSchedule("f.yml", "b", Minute, null),
        ], Now);
        var work = Assert.Single(plan);
        Assert.Equal(("b", EvaluationPlanner.Slot("f.yml", "b", Minute, Now), Now, 0), (work.Name, work.Slot, work.EvaluateAt, work.Missed));
    }

    [Fact]
    public void A_group_evaluated_by_a_timer_run_after_its_slot_is_due_again_at_its_next_slot_not_an_interval_later()
    {
        var slot = EvaluationPlanner.Slot("f.yml", "a", Minute, Now);
        var group = new GroupSchedule("f.yml", "a", Minute, Now);
        Assert.Empty(EvaluationPlanner.Plan([group], slot + Minute - TimeSpan.FromMilliseconds(1)));
        Assert.Equal(slot + Minute, Assert.Single(EvaluationPlanner.Plan([group], slot + Minute)).Slot);
    }

    [Fact]
    public void Evaluations_missed_in_between_are_counted_not_backfilled()
    {
        var slot = EvaluationPlanner.Slot("f.yml", "a", Minute, Now);
        var work = Assert.Single(EvaluationPlanner.Plan([new GroupSchedule("f.yml", "a", Minute, slot - (4 * Minute))], Now));
        Assert.Equal((slot, 3), (work.Slot, work.Missed));
    }

    [Fact]
    public void A_slot_skipped_is_counted_when_the_last_evaluation_ran_late_in_its_own_slot()
    {
        var slot = EvaluationPlanner.Slot("f.yml", "a", Minute, Now);
        // Evaluated 50 s into the slot two before this one; the slot in between was never evaluated.
        var lastRun = slot - (2 * Minute) + TimeSpan.FromSeconds(50);
        var work = Assert.Single(EvaluationPlanner.Plan([new GroupSchedule("f.yml", "a", Minute, lastRun)], Now));
        Assert.Equal(1, work.Missed);
    }

    [Fact]
    public void A_message_evaluates_once_then_duplicates_and_late_copies_do_nothing()
    {
        var slot = EvaluationPlanner.Slot("f.yml", "a", Minute, Now);
        Assert.Equal(EvaluationDecision.Evaluate, EvaluationPlanner.Decide(slot, Minute, slot - Minute, Now));
        Assert.Equal(EvaluationDecision.AlreadyEvaluated, EvaluationPlanner.Decide(slot, Minute, slot, Now));
        // Evaluated by the run that planned it, at that run's time (after the slot): still this slot's evaluation.
        Assert.Equal(EvaluationDecision.AlreadyEvaluated, EvaluationPlanner.Decide(slot, Minute, Now, Now));
        Assert.Equal(EvaluationDecision.Superseded, EvaluationPlanner.Decide(slot, Minute, slot - Minute, slot + Minute));
    }

    [Fact]
    public void A_group_whose_messages_all_arrive_an_interval_late_is_still_evaluated_once_per_slot_it_reaches()
    {
        // Every message waits 1.5 intervals in the queue (instances behind on a loaded machine).
        var lag = Minute + TimeSpan.FromSeconds(30);
        var first = EvaluationPlanner.Slot("f.yml", "a", Minute, Now);
        DateTimeOffset? last = first - Minute;
        var evaluatedSlots = new List<DateTimeOffset>();
        for (var k = 0; k < 6; k++)
        {
            var slot = first + (k * Minute);
            var work = new GroupEvaluationWork("f.yml", "a", slot, slot, 0);
            var arrives = slot + lag;
            var (decision, at) = EvaluationPlanner.Resolve(work, Minute, last, arrives);
            if (decision == EvaluationDecision.Evaluate)
            {
                Assert.Equal(arrives, at);
                evaluatedSlots.Add(EvaluationPlanner.Slot("f.yml", "a", Minute, at));
                last = at;
            }
        }
        // Late, but not starved: every other message evaluates (the slot it arrives in), and no slot twice.
        Assert.Equal(3, evaluatedSlots.Count);
        Assert.Equal(evaluatedSlots.Count, evaluatedSlots.Distinct().Count());
    }

    [Fact]
    public void A_message_on_time_evaluates_at_its_planned_time_and_a_late_one_not_at_a_slot_already_done()
    {
        var slot = EvaluationPlanner.Slot("f.yml", "a", Minute, Now);
        var work = new GroupEvaluationWork("f.yml", "a", slot, slot + TimeSpan.FromSeconds(1), 0);
        Assert.Equal((EvaluationDecision.Evaluate, slot + TimeSpan.FromSeconds(1)), EvaluationPlanner.Resolve(work, Minute, slot - Minute, slot + TimeSpan.FromSeconds(2)));
        // Late by an interval, but the slot it arrives in was evaluated already (by that slot's own message).
        Assert.Equal(EvaluationDecision.AlreadyEvaluated, EvaluationPlanner.Resolve(work, Minute, slot + Minute, slot + Minute + TimeSpan.FromSeconds(5)).Decision);
    }
}
