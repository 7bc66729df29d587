using Alerting.Core.Alertmanager;
using Alerting.Core.Escalation;
using Alerting.Core.Model;
using Alerting.Core.OnCall;
using Alerting.Functions.Notify;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Scrape;
using Alerting.Functions.Storage;
using Alerting.Functions.Tsdb;
using Alerting.Functions.Web;
using Azure;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Functions;

/// <summary>
/// Read-only JSON for the operator console (<c>GET /api/ui</c>), behind the same function key: open
/// alerts with their operator and silence state, one alert's detail (notifications, escalation, silences;
/// its history is the alert API's <c>GET alerts/{id}/history</c>),
/// the alerts a silence would mute, who is on call, and the app's own health. Every answer carries
/// <c>now</c> from the application clock, so the page shows times in the app's time (the demo clock runs
/// fast) rather than the browser's. Changes go through the existing APIs (alert actions, v2 silences).
/// </summary>
public sealed class ConsoleApiFunctions(
    ConfigProvider config,
    ScrapeRunner scrape,
    AlertStore alerts,
    IncidentStore incidents,
    SilenceStore silences,
    NotificationLogStore notificationLog,
    GroupStore groups,
    RuleStateStore ruleState,
    ScrapeTickStore ticks,
    QueueServiceClient queues,
    TimeProvider time,
    IOptions<AlertingOptions> options)
{
    private static readonly TimeSpan RecentScrapes = TimeSpan.FromMinutes(10);

    [Function("ConsoleAlerts")]
    public async Task<IActionResult> Alerts(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "console/alerts")] HttpRequest req,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (open, incidentsById, silenceList) = await LoadOpenAsync(now, ct).ConfigureAwait(false);
        var views = open
            .Select(a => ConsoleViews.Alert(a, incidentsById.GetValueOrDefault(a.Alert.Fingerprint), silenceList, now))
            .Where(v => v.Status != "resolved")
            .ToArray();
        return new OkObjectResult(new { now, alerts = ConsoleViews.Sorted(views) });
    }

    [Function("ConsoleAlert")]
    public async Task<IActionResult> Alert(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "console/alerts/{id}")] HttpRequest req,
        string id,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        // Alert ids are fingerprints (16 hex digits); anything else cannot name a stored alert.
        var stored = IsFingerprint(id) ? await alerts.GetAsync(id, ct).ConfigureAwait(false) : null;
        if (stored is null)
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, $"no alert with id {id}");
        }
        var incident = await incidents.GetAsync(id, ct).ConfigureAwait(false);
        var silenceList = await silences.ListAsync(ct).ConfigureAwait(false);
        var summary = ConsoleViews.Alert(stored, incident, silenceList, now);
        var (notifications, nextNotificationAt, routingError) = await NotificationsAsync(stored.Alert, ct).ConfigureAwait(false);
        var matching = silenceList
            .Where(s => s.StateAt(now) != SilenceState.Expired && s.Matches(stored.Alert.Labels))
            .Select(s => ConsoleViews.SilenceRef(s, now))
            .ToArray();
        return new OkObjectResult(new
        {
            now,
            alert = summary,
            generatorUrl = stored.Alert.GeneratorUrl,
            endsAt = stored.Alert.EndsAt,
            notifications,
            nextNotificationAt,
            routingError,
            escalation = Escalation(incident, summary.SilencedBy.Count > 0, now),
            silences = matching,
        });
    }

    [Function("ConsoleSilencePreview")]
    public async Task<IActionResult> SilencePreview(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "console/silences/preview")] HttpRequest req,
        CancellationToken ct)
    {
        var matchers = new List<LabelMatcher>();
        foreach (var f in req.Query["filter"])
        {
            try
            {
                matchers.Add(MatcherParser.Parse(f ?? string.Empty));
            }
            catch (MatcherParseException e)
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, $"bad matcher {f}: {e.Message}");
            }
        }
        if (matchers.Count == 0)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, "give at least one filter=<matcher>, as in filter=alertname=\"DiskFull\"");
        }
        var now = time.GetUtcNow();
        var (open, incidentsById, silenceList) = await LoadOpenAsync(now, ct).ConfigureAwait(false);
        var muted = open
            .Where(a => matchers.All(m => m.Matches(a.Alert.Labels)))
            .Select(a => ConsoleViews.Alert(a, incidentsById.GetValueOrDefault(a.Alert.Fingerprint), silenceList, now))
            .ToArray();
        return new OkObjectResult(new { now, matchers = matchers.Select(m => m.ToString()), alerts = ConsoleViews.Sorted(muted) });
    }

    [Function("ConsoleOnCall")]
    public IActionResult OnCall(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "console/oncall")] HttpRequest req)
    {
        var now = time.GetUtcNow();
        if (string.IsNullOrWhiteSpace(options.Value.OnCallPath))
        {
            return new OkObjectResult(new { now, configured = false, schedules = Array.Empty<object>() });
        }
        OnCallConfig? onCall;
        try
        {
            onCall = config.OnCall();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new OkObjectResult(new { now, configured = true, error = e.Message, schedules = Array.Empty<object>() });
        }
        var schedules = onCall is null ? [] : OnCallRoster.At(onCall, now).Select(s => ConsoleViews.Schedule(s, onCall)).ToArray();
        return new OkObjectResult(new { now, configured = true, schedules });
    }

    [Function("ConsoleHealth")]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "console/health")] HttpRequest req,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return new OkObjectResult(new
        {
            now,
            scrape = await ScrapeHealthAsync(now, ct).ConfigureAwait(false),
            rules = await RuleHealthAsync(ct).ConfigureAwait(false),
            queues = await QueueHealthAsync(ct).ConfigureAwait(false),
            config = ConfigHealth(),
        });
    }

    private static bool IsFingerprint(string id) => id.Length == 16 && id.All(char.IsAsciiHexDigitLower);

    private async Task<(IReadOnlyList<StoredAlert> Open, IReadOnlyDictionary<string, IncidentRecord> Incidents, IReadOnlyList<Silence> Silences)> LoadOpenAsync(DateTimeOffset now, CancellationToken ct)
    {
        var alertsTask = alerts.ListAsync(ct);
        var incidentsTask = incidents.ListAsync(ct);
        var silencesTask = silences.ListAsync(ct);
        await Task.WhenAll(alertsTask, incidentsTask, silencesTask).ConfigureAwait(false);
        var open = (await alertsTask.ConfigureAwait(false)).Where(a => !a.Alert.IsResolvedAt(now)).ToArray();
        var byId = (await incidentsTask.ConfigureAwait(false)).ToDictionary(i => i.AlertId, StringComparer.Ordinal);
        return (open, byId, await silencesTask.ConfigureAwait(false));
    }

    /// <summary>
    /// What each receiver the routing tree gives this alert was last told about it, from the notification
    /// log (one row per group and integration, as Alertmanager's nflog), and when the group flushes next.
    /// </summary>
    private async Task<(IReadOnlyList<object> Sent, DateTimeOffset? NextAt, string? Error)> NotificationsAsync(Alert alert, CancellationToken ct)
    {
        AlertmanagerConfig am;
        try
        {
            am = config.Alertmanager().Config;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ([], null, e.Message);
        }
        var sent = new List<object>();
        DateTimeOffset? nextAt = null;
        foreach (var route in am.Root.Match(alert.Labels))
        {
            var groupId = GroupStore.IdFor(route.Receiver, route.GroupKey(alert.Labels));
            if (await groups.GetAsync(groupId, ct).ConfigureAwait(false) is { } group && group.Fingerprints.Contains(alert.Fingerprint, StringComparer.Ordinal)
                && (nextAt is null || group.NextFlushAt < nextAt))
            {
                nextAt = group.NextFlushAt;
            }
            if (am.Receivers.FirstOrDefault(r => r.Name == route.Receiver) is not { } receiver)
            {
                continue;
            }
            foreach (var integration in Integration.For(receiver))
            {
                var logged = await notificationLog.GetAsync(groupId, integration.Id, ct).ConfigureAwait(false);
                if (logged is null)
                {
                    continue;
                }
                var asFiring = logged.Entry.FiringFingerprints.Contains(alert.Fingerprint, StringComparer.Ordinal);
                var asResolved = logged.Entry.ResolvedFingerprints.Contains(alert.Fingerprint, StringComparer.Ordinal);
                if (asFiring || asResolved)
                {
                    sent.Add(new
                    {
                        receiver = receiver.Name,
                        integration = integration.Id,
                        kind = integration.Kind,
                        at = logged.Entry.SentAt,
                        alertWas = asFiring ? "firing" : "resolved",
                        result = logged.Delivered ? "sent" : "not delivered",
                    });
                }
            }
        }
        return (sent, nextAt, null);
    }

    private object? Escalation(IncidentRecord? incident, bool silenced, DateTimeOffset now)
    {
        if (incident?.Policy is not { } name)
        {
            return null;
        }
        EscalationPolicy? policy;
        OnCallConfig? onCall;
        IReadOnlySet<string> receivers;
        try
        {
            policy = config.Escalation()?.Named(name);
            onCall = config.OnCall();
            receivers = config.Alertmanager().Config.Receivers.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new { policy = name, error = e.Message };
        }
        if (policy is null)
        {
            return new { policy = name, error = $"policy {name} is no longer in the escalation file" };
        }
        var timeline = EscalationTimeline.Build(policy, new EscalationState(incident.FiringSince, incident.Ack, incident.StepsDone), onCall, now);
        return ConsoleViews.Escalation(timeline, incident, silenced, receivers);
    }

    private async Task<object> ScrapeHealthAsync(DateTimeOffset now, CancellationToken ct)
    {
        string? error = null;
        var configured = Array.Empty<string>();
        try
        {
            configured = scrape.Config().ScrapeConfigs.Select(j => j.JobName).ToArray();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = e.Message;
        }
        // Only the recent tick log: the store keeps hours of ticks, and a job's last scrape is what matters here.
        var window = await ticks.ReadSinceAsync((now - RecentScrapes).ToUnixTimeMilliseconds(), ct).ConfigureAwait(false);
        var latest = window
            .Where(t => !t.Job.StartsWith(ConsoleViews.RulesTickPrefix, StringComparison.Ordinal))
            .GroupBy(t => t.Job, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(t => t.TimestampMs)!, StringComparer.Ordinal);
        var jobs = configured.Concat(latest.Keys.Where(k => !configured.Contains(k, StringComparer.Ordinal)))
            .Select(job => ConsoleViews.Job(job, latest.GetValueOrDefault(job), job == ScrapeRunner.PushJob))
            .ToArray();
        DateTimeOffset? last = latest.Count == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(latest.Values.Max(t => t.TimestampMs));
        return new { lastScrape = last, error, jobs };
    }

    private async Task<object> RuleHealthAsync(CancellationToken ct)
    {
        var files = config.RuleFiles();
        var result = new List<ConsoleViews.RuleGroupView>();
        foreach (var group in files.SelectMany(f => f.Groups))
        {
            var s = await ruleState.LoadAsync(group, ct).ConfigureAwait(false);
            result.Add(ConsoleViews.RuleGroup(group, s));
        }
        // A file that never loaded has no groups to show; name it so its absence is not silent.
        var loaded = files.Select(f => Path.GetFullPath(f.Path)).ToHashSet(StringComparer.Ordinal);
        var notLoaded = config.Paths().RuleFiles.SelectMany(Alerting.Core.Config.ConfigLoader.ExpandFiles).Where(f => !loaded.Contains(Path.GetFullPath(f))).ToArray();
        var last = result.Max(g => g.LastEvaluation);
        return new { lastEvaluation = last, groups = result, filesNotLoaded = notLoaded };
    }

    private async Task<IReadOnlyList<object>> QueueHealthAsync(CancellationToken ct)
    {
        var result = new List<object>();
        foreach (var name in StorageNames.Queues)
        {
            result.Add(new
            {
                name,
                messages = await CountAsync(name, ct).ConfigureAwait(false),
                poison = await CountAsync(name + "-poison", ct).ConfigureAwait(false),
            });
        }
        return result;
    }

    private async Task<int?> CountAsync(string queue, CancellationToken ct)
    {
        try
        {
            var props = await queues.GetQueueClient(queue).GetPropertiesAsync(ct).ConfigureAwait(false);
            return props.Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return 0; // created on first poisoning
        }
        catch (RequestFailedException)
        {
            return null;
        }
    }

    private object ConfigHealth()
    {
        return new
        {
            alertmanager = Check(() => config.Alertmanager()),
            escalation = string.IsNullOrWhiteSpace(options.Value.EscalationPolicyPath) ? "not configured" : Check(() => config.Escalation()),
            onCall = string.IsNullOrWhiteSpace(options.Value.OnCallPath) ? "not configured" : Check(() => config.OnCall()),
            scrape = Check(() => scrape.Config()),
        };

        static string Check(Func<object?> load)
        {
            try
            {
                load();
                return "ok";
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return e.Message;
            }
        }
    }
}
