using Alerting.Core.Acknowledgement;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Core.Tests.Acknowledgement;

public sealed class AcknowledgementStateMachineTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly AcknowledgementStateMachine _machine;

    public AcknowledgementStateMachineTests() => _machine = new AcknowledgementStateMachine(_time);

    private static AckCommand Cmd(AckAction action, string who = "alice", AckChannel how = AckChannel.Slack, DateTimeOffset? until = null, string? note = null) =>
        new(action, who, how, note, until);

    [Fact]
    public void Acknowledge_moves_firing_to_acknowledged_and_records_who_when_how()
    {
        _time.Advance(TimeSpan.FromMinutes(3));
        var result = _machine.Apply("a1", AlertAckState.FiringSince(Start), Cmd(AckAction.Acknowledge, note: "looking"));

        Assert.True(result.Ok);
        Assert.Equal(AlertStatus.Acknowledged, result.State.Status);
        Assert.Equal("alice", result.State.By);
        var audit = result.Audit!;
        Assert.Equal(new AuditRecord("a1", AckAction.Acknowledge, "alice", Start.AddMinutes(3), AckChannel.Slack,
            AlertStatus.Firing, AlertStatus.Acknowledged, "looking", null), audit);
    }

    [Fact]
    public void Unacknowledge_returns_to_firing()
    {
        var acked = _machine.Apply("a1", AlertAckState.FiringSince(Start), Cmd(AckAction.Acknowledge)).State;
        var result = _machine.Apply("a1", acked, Cmd(AckAction.Unacknowledge, "bob", AckChannel.Web));
        Assert.True(result.Ok);
        Assert.Equal(AlertStatus.Firing, result.State.Status);
        Assert.Equal((AlertStatus.Acknowledged, AlertStatus.Firing, AckChannel.Web), (result.Audit!.From, result.Audit.To, result.Audit.How));
    }

    [Fact]
    public void Second_acknowledge_reports_already_in_state_and_changes_nothing()
    {
        var acked = _machine.Apply("a1", AlertAckState.FiringSince(Start), Cmd(AckAction.Acknowledge)).State;
        var again = _machine.Apply("a1", acked, Cmd(AckAction.Acknowledge, "bob"));
        Assert.False(again.Ok);
        Assert.Equal(TransitionError.AlreadyInState, again.Error);
        Assert.Same(acked, again.State);
        Assert.Null(again.Audit);
    }

    [Theory]
    [InlineData(AckAction.Acknowledge)]
    [InlineData(AckAction.Unacknowledge)]
    [InlineData(AckAction.Silence)]
    [InlineData(AckAction.Snooze)]
    public void Resolved_is_final(AckAction action)
    {
        var resolved = _machine.Apply("a1", AlertAckState.FiringSince(Start), Cmd(AckAction.Resolve)).State;
        var result = _machine.Apply("a1", resolved, Cmd(action, until: Start.AddHours(1)));
        Assert.False(result.Ok);
        Assert.Equal(TransitionError.NotAllowed, result.Error);
        Assert.Contains("it is resolved", result.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => result.ThrowIfFailed());
    }

    [Fact]
    public void Unacknowledge_of_a_silenced_alert_is_not_allowed()
    {
        var silenced = _machine.Apply("a1", AlertAckState.FiringSince(Start), Cmd(AckAction.Silence)).State;
        Assert.Equal(TransitionError.NotAllowed, _machine.Apply("a1", silenced, Cmd(AckAction.Unacknowledge)).Error);
        Assert.True(_machine.Apply("a1", silenced, Cmd(AckAction.Resolve)).Ok);
    }

    [Fact]
    public void Snooze_lasts_until_its_end_and_then_counts_as_firing()
    {
        var until = Start.AddMinutes(30);
        var snoozed = _machine.Apply("a1", AlertAckState.FiringSince(Start), Cmd(AckAction.Snooze, until: until));
        Assert.True(snoozed.Ok);
        Assert.Equal(until, snoozed.State.SnoozedUntil);
        Assert.Equal(until, snoozed.Audit!.SnoozedUntil);
        Assert.True(snoozed.State.IsQuiet(Start.AddMinutes(29)));
        Assert.Equal(AlertStatus.Firing, snoozed.State.EffectiveStatus(until));

        _time.Advance(TimeSpan.FromMinutes(31));
        var ack = _machine.Apply("a1", snoozed.State, Cmd(AckAction.Acknowledge));
        Assert.Equal(AlertStatus.Firing, ack.Audit!.From);
    }

    [Fact]
    public void Snooze_needs_a_future_end()
    {
        var state = AlertAckState.FiringSince(Start);
        Assert.Equal(TransitionError.InvalidCommand, _machine.Apply("a1", state, Cmd(AckAction.Snooze)).Error);
        Assert.Equal(TransitionError.InvalidCommand, _machine.Apply("a1", state, Cmd(AckAction.Snooze, until: Start)).Error);
    }

    [Fact]
    public void Anonymous_commands_are_refused()
    {
        Assert.Equal(TransitionError.InvalidCommand, _machine.Apply("a1", AlertAckState.FiringSince(Start), Cmd(AckAction.Acknowledge, " ")).Error);
    }

    [Fact]
    public void A_full_history_can_be_replayed_from_audit_records()
    {
        var state = AlertAckState.FiringSince(Start);
        var history = new List<AuditRecord>();
        foreach (var (action, how) in new[] { (AckAction.Acknowledge, AckChannel.Email), (AckAction.Unacknowledge, AckChannel.Api), (AckAction.Snooze, AckChannel.Web), (AckAction.Resolve, AckChannel.PagerDuty) })
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            var r = _machine.Apply("a1", state, Cmd(action, how: how, until: _time.GetUtcNow().AddHours(1))).ThrowIfFailed();
            history.Add(r.Audit!);
            state = r.State;
        }
        Assert.Equal(
            [AlertStatus.Firing, AlertStatus.Acknowledged, AlertStatus.Firing, AlertStatus.Snoozed],
            history.Select(h => h.From).ToArray());
        Assert.Equal(AlertStatus.Resolved, history[^1].To);
        Assert.Equal(AckChannel.PagerDuty, history[^1].How);
    }
}
