using Alerting.Core.Model;
using Alerting.Core.Rules;

namespace Alerting.Core.Tests.Rules;

public sealed class ForStateRestoreTests
{
    private static readonly ForStateRestoreOptions Defaults = new();
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private static DateTimeOffset? Restore(TimeSpan holdFor, TimeSpan activeAgo, TimeSpan downAgo) =>
        ForStateRestore.RestoredActiveAt(holdFor, Interval, T0, (T0 - downAgo).ToUnixTimeMilliseconds(), (T0 - activeAgo).ToUnixTimeSeconds(), Defaults);

    [Fact]
    public void A_restart_that_missed_no_evaluation_keeps_active_at_so_the_alert_fires_on_time()
    {
        Assert.Equal(T0 - TimeSpan.FromMinutes(4), Restore(TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(4), Interval));
    }

    [Fact]
    public void An_outage_moves_active_at_on_by_the_evaluations_it_missed_as_prometheus_does()
    {
        // Pending 4m when the old evaluator stopped 11m ago: 10m of evaluations were missed.
        Assert.Equal(T0 - TimeSpan.FromMinutes(15) + TimeSpan.FromMinutes(10), Restore(TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(11)));
    }

    [Fact]
    public void Pending_close_to_firing_waits_the_grace_period_and_firing_fires_again_at_once()
    {
        Assert.Equal(T0 + TimeSpan.FromMinutes(10) - TimeSpan.FromMinutes(15), Restore(TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(12), TimeSpan.FromMinutes(2)));
        Assert.Equal(T0 - TimeSpan.FromMinutes(40), Restore(TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(40), TimeSpan.FromMinutes(2)));
        Assert.Null(Restore(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(4), Interval));
    }

    [Fact]
    public void The_query_selects_the_alerts_own_series_over_the_outage_tolerance()
    {
        var alert = new ActiveAlert("A", Labels.From(("alertname", "A"), ("path", "/x\"y")), Labels.Empty, AlertState.Pending, 1, T0);
        Assert.Equal("ALERTS_FOR_STATE{alertname=\"A\",path=\"/x\\\"y\"}[3600s]", ForStateRestore.Query(alert, TimeSpan.FromHours(1)));
    }
}
