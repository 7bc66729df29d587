using Alerting.Core.Alertmanager;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Alertmanager;

public sealed class TimeIntervalTests
{
    private const string Config = """
        route:
          receiver: a
          routes:
            - matchers: [team=ops]
              receiver: a
              active_time_intervals: [office]
              routes:
                - matchers: [severity=info]
                  receiver: a
            - matchers: [team=dev]
              receiver: a
              mute_time_intervals: [month-end, new-year]
        receivers:
          - name: a
        time_intervals:
          - name: office
            time_intervals:
              - times: [{start_time: '09:00', end_time: '17:00'}]
                weekdays: ['monday:friday']
                location: Europe/Berlin
        mute_time_intervals:
          - name: month-end
            time_intervals:
              - days_of_month: ['-2:-1']
          - name: new-year
            time_intervals:
              - months: [january]
                days_of_month: ['1']
                years: ['2027:2028']
              - times: [{start_time: '23:00', end_time: '24:00'}]
                months: [december]
                days_of_month: ['31']
        """;

    private static readonly AlertmanagerConfig Cfg = AlertmanagerConfigLoader.Parse(Config, "ti.yml");

    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void OfficeHoursAreEvaluatedInTheConfiguredTimeZone()
    {
        var office = Cfg.TimeIntervals["office"];
        Assert.True(office.IsActive(Utc(2026, 11, 24, 8, 0)));   // Tuesday 09:00 in Berlin (UTC+1)
        Assert.False(office.IsActive(Utc(2026, 11, 24, 7, 59)));  // 08:59 in Berlin
        Assert.False(office.IsActive(Utc(2026, 11, 24, 16, 0)));  // 17:00 in Berlin: end is exclusive
        Assert.True(office.IsActive(Utc(2026, 7, 1, 14, 59)));    // summer time, 16:59 in Berlin
        Assert.False(office.IsActive(Utc(2026, 11, 28, 10, 0)));  // Saturday
    }

    [Fact]
    public void NegativeDaysCountFromTheEndOfEachMonth()
    {
        var monthEnd = Cfg.TimeIntervals["month-end"];
        Assert.True(monthEnd.IsActive(Utc(2026, 2, 27, 12, 0)));
        Assert.True(monthEnd.IsActive(Utc(2026, 2, 28, 12, 0)));
        Assert.False(monthEnd.IsActive(Utc(2026, 2, 26, 12, 0)));
        Assert.True(monthEnd.IsActive(Utc(2026, 1, 30, 0, 0)));
        Assert.False(monthEnd.IsActive(Utc(2026, 1, 29, 23, 59)));
    }

    [Fact]
    public void AnyEntryOfANamedIntervalMakesItActive()
    {
        var newYear = Cfg.TimeIntervals["new-year"];
        Assert.True(newYear.IsActive(Utc(2027, 1, 1, 10, 0)));
        Assert.False(newYear.IsActive(Utc(2029, 1, 1, 10, 0)));
        Assert.True(newYear.IsActive(Utc(2026, 12, 31, 23, 30)));
        Assert.False(newYear.IsActive(Utc(2026, 12, 31, 22, 59)));
    }

    [Fact]
    public void ActiveIntervalsMuteOutsideThemAndAreNotInheritedByChildRoutes()
    {
        var ops = Assert.Single(Cfg.Root.Match(Labels.From(("team", "ops"))));
        Assert.False(Cfg.IsMuted(ops, Utc(2026, 11, 24, 10, 0)));
        Assert.True(Cfg.IsMuted(ops, Utc(2026, 11, 24, 20, 0)));

        // Alertmanager copies time intervals from each route's own config, so the child is never muted.
        var info = Assert.Single(Cfg.Root.Match(Labels.From(("team", "ops"), ("severity", "info"))));
        Assert.Empty(info.ActiveTimeIntervals);
        Assert.False(Cfg.IsMuted(info, Utc(2026, 11, 24, 20, 0)));
    }

    [Fact]
    public void MuteIntervalsMuteInsideThem()
    {
        var dev = Assert.Single(Cfg.Root.Match(Labels.From(("team", "dev"))));
        Assert.Equal(["month-end", "new-year"], dev.MuteTimeIntervals);
        Assert.True(Cfg.IsMuted(dev, Utc(2026, 11, 30, 10, 0)));
        Assert.False(Cfg.IsMuted(dev, Utc(2026, 11, 10, 10, 0)));
    }

    /// <summary>
    /// With this config a real Alertmanager 0.25 notified only "active" and "child-of-muted": a parent's
    /// mute interval does not reach its children.
    /// </summary>
    [Fact]
    public void DeliversToTheSameReceiversAsAlertmanagerWithMuteAndActiveIntervals()
    {
        var cfg = AlertmanagerConfigLoader.Parse("""
            route:
              receiver: root
              routes:
              - matchers: [team=a]
                receiver: muted-parent
                mute_time_intervals: [always]
                routes:
                - matchers: [sub=x]
                  receiver: child-of-muted
              - matchers: [team=b]
                receiver: inactive
                active_time_intervals: [never]
              - matchers: [team=c]
                receiver: active
                active_time_intervals: [always]
            receivers: [{name: root}, {name: muted-parent}, {name: child-of-muted}, {name: inactive}, {name: active}]
            time_intervals:
            - name: always
              time_intervals: [{times: [{start_time: '00:00', end_time: '24:00'}]}]
            - name: never
              time_intervals: [{years: ['1999']}]
            """, "mute.yml");
        Labels[] alerts =
        [
            Labels.From(("alertname", "A"), ("team", "a")),
            Labels.From(("alertname", "A2"), ("team", "a"), ("sub", "x")),
            Labels.From(("alertname", "B"), ("team", "b")),
            Labels.From(("alertname", "C"), ("team", "c")),
        ];
        var now = Utc(2026, 11, 24, 14, 42);
        var notified = alerts.SelectMany(a => cfg.Root.Match(a)).Where(m => !cfg.IsMuted(m, now)).Select(m => m.Receiver).Order(StringComparer.Ordinal);
        Assert.Equal(["active", "child-of-muted"], notified);
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("2w", 1_209_600_000)]
    [InlineData("1y", 31_536_000_000)]
    [InlineData("150ms", 150)]
    [InlineData("0", 0)]
    public void DurationsUsePrometheusUnits(string text, long ms)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(ms), PromDuration.Parse(text));
        Assert.Equal(text == "0" ? "0s" : text, PromDuration.Format(TimeSpan.FromMilliseconds(ms)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("1m1h")]
    [InlineData("1.5h")]
    [InlineData("-1m")]
    public void RejectsDurationsPrometheusRejects(string text) => Assert.False(PromDuration.TryParse(text, out _));
}
