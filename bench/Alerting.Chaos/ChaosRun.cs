using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Fakes;
using Alerting.Fakes.Validation;
using Alerting.LocalServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Chaos;

/// <summary>How a chaos run is shaped.</summary>
public sealed record ChaosOptions
{
    public int Kills { get; init; } = 100;

    /// <summary>New alerts started between two kills (a mix of scraped, webhook, silenced and acknowledged ones).</summary>
    public int AlertsPerRound { get; init; } = 2;

    /// <summary>Real time between a restart and the next kill, drawn uniformly.</summary>
    public TimeSpan MinUptime { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan MaxUptime { get; init; } = TimeSpan.FromSeconds(12);

    /// <summary>
    /// The longest the settle phase after the last kill waits for the backlog to drain. It ends earlier,
    /// as soon as every alert is accounted for or the backlog is provably empty (see <see cref="Quiet"/>).
    /// </summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long nothing may be due or delivered before the backlog counts as empty: longer than the local
    /// host's 30 s queue lease (a message leased by a killed process is visible again after it) plus a
    /// few group intervals, so no pending work can still be hidden.
    /// </summary>
    public TimeSpan Quiet { get; init; } = TimeSpan.FromSeconds(90);

    public int Seed { get; init; } = 1;

    /// <summary>
    /// How often pushed alerts are re-sent, as Prometheus' <c>--rules.alert.resend-delay</c> (default 1 m); each
    /// copy carries endsAt = now + 4 × this, Prometheus' rule, so three missed re-sends still do not resolve it.
    /// </summary>
    public TimeSpan Resend { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Every Nth round storage is cut off (all connections reset) instead of the app being killed; 0 never.</summary>
    public int OutageEvery { get; init; }

    public TimeSpan OutageLength { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The storage faults the outages cycle through: every connection reset, 503 ServerBusy on every request, or every chunk slowed.</summary>
    public IReadOnlyList<StorageFault> OutageKinds { get; init; } = [StorageFault.Reset];

    public TextWriter Log { get; init; } = TextWriter.Null;
}

/// <summary>How storage fails during an outage.</summary>
public enum StorageFault
{
    /// <summary>Every connection reset (an account or Azurite that is gone).</summary>
    Reset,

    /// <summary>Every request answered 503 ServerBusy (a throttled account).</summary>
    Busy,

    /// <summary>Every chunk in both directions delayed by a second (an account that answers, slowly).</summary>
    Slow,
}

/// <summary>One channel's outcome: alerts expected there, lost (never delivered), extra copies, and delivery latency.</summary>
public sealed record ChannelReport(string Channel, int Expected, int Lost, int Duplicated, int AlertsWithDuplicates, TimeSpan MedianLatency, TimeSpan MaxLatency)
{
    /// <summary>The lost alerts as "id (flow, started at)", so a failed run says where to look in the app's log.</summary>
    public IReadOnlyList<string> LostAlerts { get; init; } = [];

    /// <summary>The slowest deliveries, each with the kills and outages that began while it waited.</summary>
    public IReadOnlyList<SlowDelivery> Slowest { get; init; } = [];

    /// <summary>Of every delivery, the one with the largest delay beyond the median per disruption it waited through.</summary>
    public SlowDelivery? WorstPerDisruption { get; init; }
}

/// <summary>
/// One alert's first delivery in a channel and the disruptions that began between its start and that delivery:
/// an alert that waited through nine kills was not delayed by one kill nine times over.
/// </summary>
public sealed record SlowDelivery(string Id, string Flow, TimeSpan Latency, int Kills, int Outages)
{
    /// <summary>Its delay beyond the channel's median, shared out over the disruptions it waited through (all of it when none).</summary>
    public TimeSpan ExtraPerDisruption(TimeSpan median) =>
        Latency <= median ? TimeSpan.Zero : (Latency - median) / Math.Max(1, Kills + Outages);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Id} ({Flow}) {Latency.TotalSeconds:F1} s through {Kills} kills and {Outages} outages");
}

public sealed record ChaosReport(
    int Kills,
    int Outages,
    int OutageErrorLines,
    int Alerts,
    IReadOnlyList<ChannelReport> Channels,
    int SilencedNotified,
    int AcknowledgedThenPaged,
    TimeSpan LargestExtraDelay,
    TimeSpan Duration)
{
    /// <summary>How long the settle phase after the last disruption took, and why it ended.</summary>
    public TimeSpan DrainTime { get; init; }

    public string DrainedBecause { get; init; } = string.Empty;

    /// <summary>Extra email copies carrying the Message-ID of an earlier copy of the same alert: a resend a mail client can recognise and fold.</summary>
    public int? EmailCopiesWithRepeatedMessageId { get; init; }

    /// <summary>Re-send batches posted, and those the app did not take (down, or no answer within 10 s).</summary>
    public (int Sent, int Dropped) Resends { get; init; }

    /// <summary>Every extra copy in every channel, charged to a kill, an outage, a resolve or nothing.</summary>
    public IReadOnlyList<ExtraCopy> ExtraCopies { get; init; } = [];

    /// <summary>Where the duplicate goal is missed: a kill or outage with more than one extra copy in a channel, a PagerDuty copy, an unexplained copy.</summary>
    public IReadOnlyList<string> DuplicateBreaches { get; init; } = [];

    /// <summary>Every app process's console output, in order (each kill starts a new one).</summary>
    public string AppLog { get; init; } = string.Empty;

    public string Format()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"kills: {Kills}, storage outages: {Outages}, alerts: {Alerts}, run: {Duration.TotalMinutes:F1} min");
        sb.AppendLine(CultureInfo.InvariantCulture, $"drained in {DrainTime.TotalSeconds:F0} s after the last disruption: {DrainedBecause}");
        sb.AppendLine("channel     expected  lost  duplicated (alerts)  median latency  max latency");
        foreach (var c in Channels)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{c.Channel,-10} {c.Expected,9} {c.Lost,5} {c.Duplicated,11} ({c.AlertsWithDuplicates,3})  {c.MedianLatency.TotalSeconds,12:F1} s  {c.MaxLatency.TotalSeconds,9:F1} s");
        }
        foreach (var c in Channels.Where(c => c.LostAlerts.Count > 0))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"lost in {c.Channel}: {string.Join(", ", c.LostAlerts)}");
        }
        sb.Append(DuplicateAttribution.Format(ExtraCopies, [.. Channels.Select(c => c.Channel)], Kills, Outages));
        sb.AppendLine(DuplicateBreaches.Count == 0
            ? "duplicate goal met: at most one extra copy per channel per kill or outage, none in PagerDuty, none unexplained"
            : $"duplicate goal NOT met ({DuplicateBreaches.Count} breaches):");
        foreach (var b in DuplicateBreaches)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {b}");
        }
        // The copies charged to kills and outages, so each can be checked against the app's log.
        foreach (var c in ExtraCopies.Where(c => c.Cause is CopyCause.Kill or CopyCause.Outage).Take(40))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  extra: {c}");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"extra email copies repeating an earlier copy's Message-ID (recognisable resends): {EmailCopiesWithRepeatedMessageId?.ToString(CultureInfo.InvariantCulture) ?? "unknown (MailDev showed no Message-ID)"}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"re-send batches: {Resends.Sent}, not taken by the app: {Resends.Dropped}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"silenced alerts notified: {SilencedNotified}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"acknowledged alerts paged afterwards: {AcknowledgedThenPaged}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"largest extra delay (slowest delivery minus the median): {LargestExtraDelay.TotalSeconds:F1} s");
        foreach (var c in Channels.Where(c => c.Slowest.Count > 0))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"slowest in {c.Channel}: {string.Join("; ", c.Slowest)}");
            if (c.WorstPerDisruption is { } worst)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  largest delay beyond the median per disruption waited through, {c.Channel}: {worst.ExtraPerDisruption(c.MedianLatency).TotalSeconds:F1} s ({worst})");
            }
        }
        if (Outages > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"warning/error log lines about storage per outage: {(double)OutageErrorLines / Outages:F1}");
        }
        return sb.ToString();
    }
}

/// <summary>
/// The crash harness: the function app as a real process (the local host) on a real Azurite, MailDev,
/// the Slack fake and the PagerDuty fake, killed with SIGKILL at random points and restarted on the
/// same storage while alerts flow in four ways: scraped from a target and evaluated by a rule, posted to
/// the v2 API and re-sent every resend delay as Prometheus does, posted after a silence that covers them, and
/// escalated then acknowledged through the operator API. Afterwards every alert is looked up in each
/// channel: each must arrive exactly once (twice only where a send completed and the kill came before
/// its record), never for a silenced alert, and an acknowledged alert must not reach its later step.
/// </summary>
public sealed class ChaosRun : IAsyncDisposable
{
    private const string Key = "local-function-key";
    private static readonly TimeSpan LateStep = TimeSpan.FromSeconds(45);

    /// <summary>The local host's default queue lease: a killed process's message is visible again after it.</summary>
    private static readonly TimeSpan QueueLease = TimeSpan.FromSeconds(30);

    private readonly ChaosOptions _options;
    private readonly Random _random;
    private readonly string _dir = Directory.CreateTempSubdirectory("alerting-chaos-").FullName;
    private readonly ConcurrentDictionary<string, ChaosAlert> _alerts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _scraped = new(StringComparer.Ordinal);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private Azurite _azurite = null!;
    private MailDev _mail = null!;
    private const string SlackChannel = "C0CHAOS0001";

    private SlackWebhookFake _slack = null!;
    private PagerDutyFake _pagerDuty = null!;
    private WebApplication _target = null!;
    private ExternalProcess? _app;
    private readonly List<FaultProxy> _proxies = [];
    private readonly StringBuilder _appLog = new();
    private readonly List<StorageFault> _outageKinds = [];
    private readonly List<Disruption> _disruptions = [];
    private int _outages;
    private int _kills;
    private int _outageErrorLines;
    private int _appPort;
    private int _resends;
    private int _resendsDropped;
    private int _next;

    public ChaosRun(ChaosOptions options)
    {
        _options = options;
        _random = new Random(options.Seed);
    }

    private enum Flow
    {
        Scraped,
        Webhook,
        Silenced,
        Acknowledged,
    }

    private sealed class ChaosAlert(string id, Flow flow, DateTimeOffset startedAt)
    {
        public string Id { get; } = id;

        public Flow Flow { get; } = flow;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public DateTimeOffset? AcknowledgedAt { get; set; }
    }

    public async Task<ChaosReport> RunAsync(CancellationToken ct = default)
    {
        var started = Stopwatch.StartNew();
        var drain = TimeSpan.Zero;
        var drainedBecause = "not settled";
        await StartPeersAsync().ConfigureAwait(false);
        await StartAppAsync(ct).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var resender = Task.Run(() => ResendLoopAsync(stop.Token), CancellationToken.None);
        var acker = Task.Run(() => AckLoopAsync(stop.Token), CancellationToken.None);
        try
        {
            for (var kill = 1; kill <= _options.Kills; kill++)
            {
                for (var i = 0; i < _options.AlertsPerRound; i++)
                {
                    await StartAlertAsync(ct).ConfigureAwait(false);
                }
                var uptime = _options.MinUptime + ((_options.MaxUptime - _options.MinUptime) * _random.NextDouble());
                await Task.Delay(uptime, ct).ConfigureAwait(false);
                if (_options.OutageEvery > 0 && kill % _options.OutageEvery == 0)
                {
                    await OutageAsync(ct).ConfigureAwait(false);
                    _options.Log.WriteLine($"[chaos] storage outage {_outages} ({_outageKinds[^1]}, {_options.OutageLength.TotalSeconds:F0} s) in round {kill}/{_options.Kills}");
                    continue;
                }
                var killedAt = DateTimeOffset.UtcNow;
                await KillAppAsync().ConfigureAwait(false);
                _kills++;
                _options.Log.WriteLine($"[chaos] kill {kill}/{_options.Kills} after {uptime.TotalSeconds:F1} s ({_alerts.Count} alerts so far)");
                await StartAppAsync(ct).ConfigureAwait(false);
                _disruptions.Add(new Disruption(DisruptionKind.Kill, _kills, killedAt, DateTimeOffset.UtcNow));
            }
            _options.Log.WriteLine($"[chaos] settling until every alert is accounted for or the backlog is provably empty (at most {_options.Settle.TotalSeconds:F0} s)");
            (drain, drainedBecause) = await SettleAsync(ct).ConfigureAwait(false);
            _options.Log.WriteLine($"[chaos] drained in {drain.TotalSeconds:F0} s: {drainedBecause}");
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(resender, acker).ConfigureAwait(false);
        }
        return await CountAsync(started.Elapsed).ConfigureAwait(false) with { DrainTime = drain, DrainedBecause = drainedBecause };
    }

    /// <summary>
    /// Waits, polling every 2 s, until the backlog is provably empty: for <see cref="ChaosOptions.Quiet"/> no
    /// channel received anything, no queue held a message that was due (visible) beyond the re-sends' own,
    /// and no group had a flush unfinished or overdue. A message leased by a killed process is visible
    /// again within one lease, so a quiet window longer than the lease means nothing is pending anywhere.
    /// Once every alert is accounted for (each unsilenced one in every channel, each escalated one
    /// acknowledged and past its later step) the window shrinks to one lease and a little, which is what a
    /// late duplicate needs. A fixed sleep could count a slow backlog as lost, or stop before a duplicate.
    /// </summary>
    private async Task<(TimeSpan Drain, string Because)> SettleAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var queues = new[] { "alerts", "notifications", "escalations" }.Select(q => new Azure.Storage.Queues.QueueClient(_azurite.ConnectionString, q)).ToArray();
        var groups = new Azure.Data.Tables.TableClient(_azurite.ConnectionString, "groups");
        var lastDeliveries = -1;
        var quietSince = clock.Elapsed;
        var lastBusy = string.Empty;
        while (clock.Elapsed < _options.Settle)
        {
            await Task.Delay(2000, ct).ConfigureAwait(false);
            var seen = await SeenAsync().ConfigureAwait(false);
            var missing = _alerts.Values.Where(a => a.Flow != Flow.Silenced).Sum(a => seen.Channels.Count(c => !c.Deliveries(a).Any()));
            var unacked = _alerts.Values.Count(a => a.Flow == Flow.Acknowledged && a.AcknowledgedAt is null);
            var lastAck = _alerts.Values.Select(a => a.AcknowledgedAt ?? DateTimeOffset.MinValue).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
            // Accounted for: every first copy is in. A redelivered copy can still come within one lease of
            // the last disruption, and a wrong later step within LateStep of the last acknowledgement, so the
            // quiet window below still has to pass, only shorter.
            var accounted = missing == 0 && unacked == 0 && DateTimeOffset.UtcNow > lastAck + LateStep + TimeSpan.FromSeconds(15);
            var quietNeeded = accounted ? TimeSpan.FromTicks(Math.Min(_options.Quiet.Ticks, (QueueLease + TimeSpan.FromSeconds(15)).Ticks)) : _options.Quiet;

            var busy = new List<string>();
            foreach (var q in queues)
            {
                try
                {
                    var due = (await q.PeekMessagesAsync(32, ct).ConfigureAwait(false)).Value.Length;
                    // The re-sender posts one message per resend delay: one visible alerts message is its own, not backlog.
                    if (due > (q.Name == "alerts" ? 1 : 0))
                    {
                        busy.Add($"{due} due in {q.Name}");
                    }
                }
                catch (Azure.RequestFailedException e) when (e.Status == 404)
                {
                }
            }
            var now = DateTimeOffset.UtcNow;
            var unfinished = 0;
            var overdue = 0;
            try
            {
                await foreach (var g in groups.QueryAsync<Azure.Data.Tables.TableEntity>("RowKey eq '~group'", cancellationToken: ct).ConfigureAwait(false))
                {
                    unfinished += g.GetDateTimeOffset("AttemptedAt") is null ? 0 : 1;
                    overdue += g.GetDateTimeOffset("NextFlushAt") < now - (2 * QueueLease) ? 1 : 0;
                }
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404)
            {
            }
            if (unfinished > 0)
            {
                busy.Add($"{unfinished} flushes unfinished");
            }
            if (overdue > 0)
            {
                busy.Add($"{overdue} flushes overdue");
            }
            if (seen.Count != lastDeliveries)
            {
                busy.Add("new deliveries");
                lastDeliveries = seen.Count;
            }
            if (busy.Count > 0)
            {
                quietSince = clock.Elapsed;
                var status = string.Join(", ", busy);
                if (status != lastBusy)
                {
                    _options.Log.WriteLine($"[chaos] {clock.Elapsed.TotalSeconds:F0} s: {missing} deliveries and {unacked} acknowledgements missing; {status}");
                    lastBusy = status;
                }
            }
            else if (clock.Elapsed - quietSince >= quietNeeded)
            {
                return (clock.Elapsed, accounted
                    ? $"every alert accounted for in every channel, then {quietNeeded.TotalSeconds:F0} s with nothing due or delivered"
                    : $"backlog provably empty ({quietNeeded.TotalSeconds:F0} s with nothing due or delivered) with {missing} deliveries and {unacked} acknowledgements missing");
            }
        }
        return (clock.Elapsed, $"settle deadline of {_options.Settle.TotalSeconds:F0} s reached before the backlog drained: what is missing may still be pending");
    }

    /// <summary>Storage unreachable for a while (every connection reset), then back; the app keeps running.</summary>
    private async Task OutageAsync(CancellationToken ct)
    {
        var kind = _options.OutageKinds[_outages % _options.OutageKinds.Count];
        _outages++;
        var before = StorageErrorLines(_app?.Output);
        var from = DateTimeOffset.UtcNow;
        _proxies.ForEach(p => Set(p, kind, on: true));
        await Task.Delay(_options.OutageLength, ct).ConfigureAwait(false);
        _proxies.ForEach(p => Set(p, kind, on: false));
        _disruptions.Add(new Disruption(DisruptionKind.Outage, _outages, from, DateTimeOffset.UtcNow));
        // Let the app notice it works again before the lines are counted.
        await Task.Delay(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        _outageErrorLines += StorageErrorLines(_app?.Output) - before;
        _outageKinds.Add(kind);
    }

    private static void Set(FaultProxy proxy, StorageFault kind, bool on)
    {
        switch (kind)
        {
            case StorageFault.Reset:
                proxy.Down = on;
                break;
            case StorageFault.Busy:
                proxy.Busy = on;
                break;
            default:
                proxy.Delay = on ? TimeSpan.FromSeconds(1) : TimeSpan.Zero;
                break;
        }
    }

    /// <summary>Warnings and errors the app logged about storage (warn/fail lines of the console logger mentioning it).</summary>
    private static int StorageErrorLines(string? output) =>
        (output ?? string.Empty).Split('\n').Count(l => (l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains("warn:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal)));

    /// <summary>The storage connection string with each endpoint behind a fault proxy.</summary>
    private string ProxiedConnectionString()
    {
        var result = _azurite.ConnectionString;
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(_azurite.ConnectionString, @"127\.0\.0\.1:(\d+)"))
        {
            var proxy = new FaultProxy(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            _proxies.Add(proxy);
            result = result.Replace(m.Value, $"127.0.0.1:{proxy.Port}", StringComparison.Ordinal);
        }
        return result;
    }

    private async Task StartPeersAsync()
    {
        _azurite = await Azurite.StartAsync().ConfigureAwait(false);
        _mail = await MailDev.StartAsync().ConfigureAwait(false);
        _slack = await SlackWebhookFake.StartAsync().ConfigureAwait(false);
        _pagerDuty = await PagerDutyFake.StartAsync(new PagerDutyContract(
            PagerDutyEventValidator.Validate, PagerDutyEventValidator.InvalidEventResponse, PagerDutyEventValidator.SuccessResponse)).ConfigureAwait(false);

        // The scrape target: one series per scraped alert, served while the alert fires.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _target = builder.Build();
        _target.MapGet("/metrics", () => Results.Text(
            "# TYPE chaos_scraped gauge\n" + string.Concat(_scraped.Keys.Select(k => $"chaos_scraped{{alert_id=\"{k}\"}} 1\n")),
            "text/plain; version=0.0.4"));
        await _target.StartAsync().ConfigureAwait(false);
        var targetAddress = new Uri(_target.Urls.First()).Authority;

        await File.WriteAllTextAsync(Path.Combine(_dir, "scrape.yml"), $"""
            global:
              scrape_interval: 5s
              scrape_timeout: 2s
            scrape_configs:
              - job_name: chaos
                static_configs:
                  - targets: ['{targetAddress}']
            """).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(_dir, "chaos.rules.yml"), """
            groups:
              - name: chaos
                interval: 5s
                rules:
                  - alert: ChaosScraped
                    expr: chaos_scraped > 0
                    labels: {severity: chaos}
                    annotations: {summary: 'scraped {{ $labels.alert_id }}'}
            """).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(_dir, "alertmanager.yml"), $"""
            global:
              resolve_timeout: 5m
              smtp_from: 'alerting@chaos.test'
              smtp_smarthost: '127.0.0.1:{_mail.SmtpPort}'
              smtp_require_tls: false
            route:
              receiver: chaos
              group_by: ['alertname', 'alert_id']
              group_wait: 1s
              group_interval: 10s
              repeat_interval: 24h
            receivers:
              - name: chaos
                email_configs:
                  - to: 'chaos@chaos.test'
                slack_configs:
                  # The Web API with a bot token, not an incoming webhook: only it can find the post of
                  # an attempt a kill cut off before its record (conversations.history), so only it can be
                  # held to no duplicates.
                  - api_url: '{_slack.WebApiUrl}chat.postMessage'
                    app_token: '{_slack.BotToken}'
                    channel: '{SlackChannel}'
                pagerduty_configs:
                  - routing_key: 'ChaosRoutingKeyForTheFakeSvc0001'
                    url: '{_pagerDuty.EventsUrl}'
              - name: chaos-ack
                email_configs:
                  - to: 'ack@chaos.test'
              - name: chaos-late
                email_configs:
                  - to: 'late@chaos.test'
            """).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(_dir, "escalation.yml"), $"""
            policies:
              - name: chaos-ack
                matchers: ['flow="ack"']
                steps:
                  - after: 0s
                    notify: [chaos-ack]
                  - after: {(int)LateStep.TotalSeconds}s
                    notify: [chaos-late]
            """).ConfigureAwait(false);
        var settings = new JsonObject
        {
            ["AzureWebJobsStorage"] = ProxiedConnectionString(),
            ["ScrapeSchedule"] = "*/5 * * * * *",
            ["EvaluateSchedule"] = "*/5 * * * * *",
            ["Alerting:ScrapeConfigPath"] = Path.Combine(_dir, "scrape.yml"),
            ["Alerting:RuleFiles"] = Path.Combine(_dir, "chaos.rules.yml"),
            ["Alerting:AlertmanagerConfigPath"] = Path.Combine(_dir, "alertmanager.yml"),
            ["Alerting:DefaultTemplatesPath"] = Path.Combine(RepoPaths.Root, "rules", "templates"),
            ["Alerting:EscalationPolicyPath"] = Path.Combine(_dir, "escalation.yml"),
            ["Alerting:ExternalUrl"] = "http://alerting.chaos",
        };
        await File.WriteAllTextAsync(Path.Combine(_dir, "local.settings.json"), new JsonObject { ["Values"] = settings }.ToJsonString()).ConfigureAwait(false);
    }

    private static string LocalHostDll()
    {
        // A copy of the build can be named, so a rebuild during a long run does not swap the app mid-run.
        if (Environment.GetEnvironmentVariable("ALERTING_CHAOS_APP_DLL") is { Length: > 0 } named)
        {
            return named;
        }
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(RepoPaths.Root, "src", "Alerting.LocalHost", "bin", configuration, "net10.0", "Alerting.LocalHost.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build the solution first");
    }

    private async Task StartAppAsync(CancellationToken ct)
    {
        _appPort = _appPort == 0 ? ExternalProcess.FreePort() : _appPort;
        _app = ExternalProcess.Start("dotnet", LocalHostDll(), "--urls", $"http://127.0.0.1:{_appPort}",
            "--settings", Path.Combine(_dir, "local.settings.json"), "--host-json", Path.Combine(RepoPaths.Root, "host.json"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (_app.HasExited)
            {
                throw new InvalidOperationException("the app exited at start: " + _app.Output);
            }
            try
            {
                using var r = await _http.GetAsync(new Uri($"http://127.0.0.1:{_appPort}/api/health"), ct).ConfigureAwait(false);
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
        throw new TimeoutException("the app did not answer /api/health within 60 s: " + _app.Output);
    }

    /// <summary>SIGKILL: no shutdown hooks, leases and claims stay as they were.</summary>
    private async Task KillAppAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _appLog.Append(CultureInfo.InvariantCulture, $"----- app process killed at {DateTimeOffset.UtcNow:HH:mm:ss.fff} -----\n").Append(_app.Output);
            _app = null;
        }
    }

    private Uri Api(string path) => new($"http://127.0.0.1:{_appPort}/api/{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}code={Key}");

    private async Task StartAlertAsync(CancellationToken ct)
    {
        var n = Interlocked.Increment(ref _next);
        var flow = (n % 10) switch
        {
            0 => Flow.Silenced,
            1 or 5 => Flow.Acknowledged,
            2 or 6 or 8 => Flow.Scraped,
            _ => Flow.Webhook,
        };
        var id = $"{flow.ToString()[0]}{n:D4}".ToLowerInvariant();
        if (flow == Flow.Silenced)
        {
            var now = DateTimeOffset.UtcNow;
            var silence = new JsonObject
            {
                ["matchers"] = new JsonArray(new JsonObject { ["name"] = "alert_id", ["value"] = id, ["isRegex"] = false, ["isEqual"] = true }),
                ["startsAt"] = now.ToString("O"),
                ["endsAt"] = now.AddHours(2).ToString("O"),
                ["createdBy"] = "chaos",
                ["comment"] = "silenced before it fires",
            };
            await RetryPostAsync("v2/silences", silence.ToJsonString(), ct).ConfigureAwait(false);
        }
        var alert = new ChaosAlert(id, flow, DateTimeOffset.UtcNow);
        _alerts[id] = alert;
        if (flow == Flow.Scraped)
        {
            _scraped[id] = 0;
        }
        else
        {
            await SendAsync(alert, ct).ConfigureAwait(false);
        }
    }

    private JsonObject Body(ChaosAlert a) => new()
    {
        ["labels"] = new JsonObject
        {
            ["alertname"] = a.Flow == Flow.Acknowledged ? "ChaosAck" : "ChaosWebhook",
            ["alert_id"] = a.Id,
            ["flow"] = a.Flow == Flow.Acknowledged ? "ack" : a.Flow.ToString().ToLowerInvariant(),
        },
        ["annotations"] = new JsonObject { ["summary"] = $"chaos alert {a.Id}" },
        ["startsAt"] = a.StartedAt.ToString("O"),
        ["endsAt"] = (DateTimeOffset.UtcNow + (4 * _options.Resend)).ToString("O"),
    };

    private Task SendAsync(ChaosAlert a, CancellationToken ct) => RetryPostAsync("v2/alerts", new JsonArray(Body(a)).ToJsonString(), ct);

    /// <summary>Posts until the app answers 2xx: while it is down, a sender (Prometheus, a script) retries.</summary>
    private async Task RetryPostAsync(string path, string json, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                using var r = await _http.PostAsync(Api(path), new StringContent(json, Encoding.UTF8, "application/json"), ct).ConfigureAwait(false);
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
                if ((int)r.StatusCode is >= 400 and < 500)
                {
                    throw new InvalidOperationException($"{path} answered {(int)r.StatusCode}: {await r.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Prometheus re-sends a firing alert once per resend delay (not on every evaluation) and drops a batch
    /// the Alertmanager did not take; here all pushed alerts in one batch per resend delay.
    /// </summary>
    private async Task ResendLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.Resend, ct).ConfigureAwait(false);
                var pushed = _alerts.Values.Where(a => a.Flow != Flow.Scraped).Select(Body).ToArray();
                if (pushed.Length > 0)
                {
                    _resends++;
                    using var r = await _http.PostAsync(Api("v2/alerts"), new StringContent(new JsonArray(pushed).ToJsonString(), Encoding.UTF8, "application/json"), ct).ConfigureAwait(false);
                    _resendsDropped += r.IsSuccessStatusCode ? 0 : 1;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // The app is down; the next round re-sends (Prometheus drops a batch it could not deliver too).
                // Counted: enough dropped in a row let an alert's endsAt pass, and it resolves and fires again.
                _resendsDropped++;
            }
        }
    }

    /// <summary>An operator acknowledges each escalated alert as soon as its first step's email arrives.</summary>
    private async Task AckLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(1000, ct).ConfigureAwait(false);
                var pending = _alerts.Values.Where(a => a.Flow == Flow.Acknowledged && a.AcknowledgedAt is null).ToArray();
                if (pending.Length == 0)
                {
                    continue;
                }
                var emails = await _mail.EmailsAsync().ConfigureAwait(false);
                var open = await _http.GetFromJsonAsync<JsonObject>(Api("alerts/open"), ct).ConfigureAwait(false);
                foreach (var a in pending)
                {
                    if (!emails.OfType<JsonObject>().Any(e => To(e) == "ack@chaos.test" && Mentions(e, a.Id)))
                    {
                        continue;
                    }
                    var fingerprint = open?["alerts"]?.AsArray().OfType<JsonObject>()
                        .FirstOrDefault(o => o["labels"]?["alert_id"]?.GetValue<string>() == a.Id)?["id"]?.GetValue<string>();
                    if (fingerprint is null)
                    {
                        continue;
                    }
                    using var r = await _http.PostAsync(Api($"alerts/{fingerprint}/acknowledge"), new StringContent("{\"who\":\"chaos\"}", Encoding.UTF8, "application/json"), ct).ConfigureAwait(false);
                    if (r.IsSuccessStatusCode || r.StatusCode == HttpStatusCode.Conflict)
                    {
                        a.AcknowledgedAt = DateTimeOffset.UtcNow;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                // The app is down; try again.
            }
        }
    }

    private static string To(JsonObject email) => email["to"]?.AsArray().FirstOrDefault()?["address"]?.GetValue<string>() ?? string.Empty;

    private static bool Mentions(JsonObject email, string id) =>
        Names(email["subject"]?.GetValue<string>(), id) || Names(email["text"]?.GetValue<string>(), id);

    private static bool Names(string? text, string id) => AlertIds.Named(text, id);

    private static string? MessageId(JsonObject email) =>
        (email["messageId"] as JsonValue)?.GetValue<string>() ?? (email["headers"]?["message-id"] as JsonValue)?.GetValue<string>();

    private static DateTimeOffset EmailTime(JsonObject email) =>
        DateTimeOffset.TryParse(email["time"]?.GetValue<string>() ?? email["date"]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.UtcNow;

    /// <summary>One channel's deliveries of an alert, as the channel shows them.</summary>
    private sealed record SeenChannel(string Name, Func<ChaosAlert, IEnumerable<DateTimeOffset>> Deliveries);

    /// <summary>
    /// What the three channels hold now; <paramref name="Count"/> grows with every delivery. <paramref name="Resolves"/>
    /// are the times an alert's group was resolved, as PagerDuty saw them (the one integration that sends resolves here).
    /// </summary>
    private sealed record Seen(JsonObject[] Emails, (string Body, DateTimeOffset ReceivedAt)[] Slack, IReadOnlyList<SeenChannel> Channels, Func<ChaosAlert, IReadOnlyList<DateTimeOffset>> Resolves, int Count);

    private async Task<Seen> SeenAsync()
    {
        var emails = (await _mail.EmailsAsync().ConfigureAwait(false)).OfType<JsonObject>().ToArray();
        // Each message once, as the channel shows it, with the request that posted it and when.
        var slack = _slack.ChatMessages.Where(m => m.Channel == SlackChannel)
            .Select(m => (Body: m.History[0].Request.ToJsonString(), ReceivedAt: m.History[0].At)).ToArray();
        var pagerDuty = _pagerDuty.Received.Select(r => (Body: r.Body.ToJsonString(), Key: r.Body["dedup_key"]?.GetValue<string>(),
            Action: r.Body["event_action"]?.GetValue<string>(), r.ReceivedAt)).ToArray();
        // A resolve event carries no payload, so it is found through the dedup_key of the alert's triggers.
        (string? Key, string? Action, DateTimeOffset At)[] Events(ChaosAlert a)
        {
            var keys = pagerDuty.Where(r => r.Action == "trigger" && Names(r.Body, a.Id)).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            return [.. pagerDuty.Where(r => keys.Contains(r.Key)).Select(r => (r.Key, r.Action, r.ReceivedAt)).OrderBy(r => r.ReceivedAt)];
        }
        var channels = new SeenChannel[]
        {
            new("email", a => emails.Where(e => To(e) == "chaos@chaos.test" && Mentions(e, a.Id)).Select(EmailTime)),
            new("slack", a => slack.Where(r => Names(r.Body, a.Id)).Select(r => r.ReceivedAt)),
            // PagerDuty folds repeated triggers with one dedup_key into one open incident, and opens a new one
            // for a trigger after a resolve: a copy here is an incident opened, not an event.
            new("pagerduty", a =>
            {
                var open = new HashSet<string?>();
                var opened = new List<DateTimeOffset>();
                foreach (var e in Events(a))
                {
                    if (e.Action == "resolve")
                    {
                        open.Remove(e.Key);
                    }
                    else if (e.Action == "trigger" && open.Add(e.Key))
                    {
                        opened.Add(e.At);
                    }
                }
                return opened;
            }),
        };
        return new Seen(emails, slack, channels, a => [.. Events(a).Where(e => e.Action == "resolve").Select(e => e.At)], emails.Length + slack.Length + pagerDuty.Length);
    }

    private async Task<ChaosReport> CountAsync(TimeSpan duration)
    {
        var seen = await SeenAsync().ConfigureAwait(false);
        var (emails, slack) = (seen.Emails, seen.Slack);
        var notified = _alerts.Values.Where(a => a.Flow != Flow.Silenced).ToArray();
        var channels = seen.Channels.Select(c => Channel(c.Name, notified, c.Deliveries, _disruptions)).ToList();
        var extra = DuplicateAttribution.Attribute(
            seen.Channels.SelectMany(c => notified.Select(a => new AlertDeliveries(c.Name, a.Id, [.. c.Deliveries(a)], seen.Resolves(a)))),
            _disruptions, QueueLease);
        var silencedNotified = _alerts.Values.Where(a => a.Flow == Flow.Silenced)
            .Count(a => emails.Any(e => Mentions(e, a.Id)) || slack.Any(r => Names(r.Body, a.Id)));
        var ackedThenPaged = _alerts.Values.Where(a => a.Flow == Flow.Acknowledged && a.AcknowledgedAt is not null)
            .Count(a => emails.Any(e => To(e) == "late@chaos.test" && Mentions(e, a.Id) && EmailTime(e) > a.AcknowledgedAt!.Value + TimeSpan.FromSeconds(2)));
        var typical = channels.Max(c => c.MedianLatency);
        var worst = channels.Max(c => c.MaxLatency);
        return new ChaosReport(_kills, _outages, _outageErrorLines, _alerts.Count, channels, silencedNotified, ackedThenPaged,
            worst > typical ? worst - typical : TimeSpan.Zero, duration)
        {
            AppLog = _appLog.ToString() + "----- running app -----\n" + _app?.Output,
            ExtraCopies = extra,
            DuplicateBreaches = DuplicateAttribution.Breaches(extra),
            Resends = (_resends, _resendsDropped),
            EmailCopiesWithRepeatedMessageId = emails.Any(e => MessageId(e) is not null)
                ? notified.Sum(a => emails.Where(e => To(e) == "chaos@chaos.test" && Mentions(e, a.Id)).GroupBy(e => MessageId(e) ?? string.Empty, StringComparer.Ordinal).Sum(g => g.Count() - 1))
                : null,
        };
    }

    private static ChannelReport Channel(string name, IReadOnlyList<ChaosAlert> alerts, Func<ChaosAlert, IEnumerable<DateTimeOffset>> deliveries,
        IReadOnlyList<Disruption> disruptions)
    {
        var slow = new List<SlowDelivery>();
        var lost = 0;
        var lostAlerts = new List<string>();
        var duplicated = 0;
        var withDuplicates = 0;
        var latencies = new List<TimeSpan>();
        foreach (var a in alerts)
        {
            var times = deliveries(a).Order().ToArray();
            if (times.Length == 0)
            {
                lost++;
                lostAlerts.Add(string.Create(CultureInfo.InvariantCulture, $"{a.Id} ({a.Flow}, started {a.StartedAt:HH:mm:ss.fff})"));
                continue;
            }
            if (times.Length > 1)
            {
                duplicated += times.Length - 1;
                withDuplicates++;
            }
            latencies.Add(times[0] - a.StartedAt);
            var waited = disruptions.Where(d => d.From >= a.StartedAt && d.From < times[0]).ToArray();
            slow.Add(new SlowDelivery(a.Id, a.Flow.ToString(), times[0] - a.StartedAt,
                waited.Count(d => d.Kind == DisruptionKind.Kill), waited.Count(d => d.Kind == DisruptionKind.Outage)));
        }
        latencies.Sort();
        var median = latencies.Count == 0 ? TimeSpan.Zero : latencies[latencies.Count / 2];
        return new ChannelReport(name, alerts.Count, lost, duplicated, withDuplicates,
            latencies.Count == 0 ? TimeSpan.Zero : latencies[latencies.Count / 2],
            latencies.Count == 0 ? TimeSpan.Zero : latencies[^1])
        {
            LostAlerts = lostAlerts,
            Slowest = [.. slow.OrderByDescending(d => d.Latency).Take(5)],
            WorstPerDisruption = slow.MaxBy(d => d.ExtraPerDisruption(median)),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await KillAppAsync().ConfigureAwait(false);
        _http.Dispose();
        foreach (var p in _proxies)
        {
            await p.DisposeAsync().ConfigureAwait(false);
        }
        if (_target is not null)
        {
            await _target.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var d in new IAsyncDisposable?[] { _pagerDuty, _slack, _mail, _azurite })
        {
            if (d is not null)
            {
                await d.DisposeAsync().ConfigureAwait(false);
            }
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
