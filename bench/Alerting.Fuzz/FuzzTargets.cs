using System.Text;
using Alerting.Core.Acknowledgement;
using Alerting.Core.Alertmanager;
using Alerting.Core.Escalation;
using Alerting.Core.Exposition;
using Alerting.Core.Notify.PagerDuty;
using Alerting.Core.Notify.Slack;
using Alerting.Core.OnCall;
using Alerting.Core.PromQL;
using Alerting.Core.Push;
using Alerting.Core.Rules;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Templating;
using Alerting.Functions.Functions;
using Alerting.Functions.Pipeline;

namespace Alerting.Fuzz;

/// <summary>
/// One parser that reads user input, as a fuzzer calls it: bytes in; the parser's documented rejection
/// (<see cref="IsRejection"/>) is a correct answer, any other exception is a crash. <see cref="Seeds"/>
/// are valid (and a few invalid) inputs the mutations start from.
/// </summary>
public sealed record FuzzTarget(string Name, Action<byte[]> Run, Func<Exception, bool> IsRejection, IReadOnlyList<string> Seeds, string Alphabet)
{
    /// <summary>Runs one input; returns the crash, or null when the parser accepted or rejected it properly.</summary>
    public Exception? Execute(byte[] input)
    {
        try
        {
            Run(input);
            return null;
        }
        catch (Exception e) when (IsRejection(e))
        {
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}

/// <summary>Every fuzz target, by name.</summary>
public static class FuzzTargets
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-24T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private static readonly TimeProvider Clock = new FixedClock(Now);

    private static readonly byte[] LinkKey = Encoding.UTF8.GetBytes("fuzz-link-signing-key-0123456789abcdef");

    private static readonly Lazy<IReadOnlyList<FuzzTarget>> Targets = new(Build);

    public static IReadOnlyList<FuzzTarget> All => Targets.Value;

    // Built on first use: the seed arrays below are initialised after this member in declaration order.
    private static IReadOnlyList<FuzzTarget> Build() =>
    [
        new("promql", b => PromQlParser.Parse(Text(b)), e => e is PromQlParseException, PromQlSeeds,
            "abcxyz_:{}()[]=~!\",.+-*/%^ 0123456789 by without on ignoring group_left group_right offset @ rate sum avg count_values topk histogram_quantile 5m 1h inf nan and or unless bool > < >= <= == != \n\t'`\\"),
        new("exposition-text", b => ExpositionParser.Parse(b, ExpositionFormat.PrometheusText), e => e is ExpositionParseException, ExpositionSeeds,
            "abc_:{}=\",# HELP TYPE counter gauge histogram summary untyped le quantile +Inf -Inf NaN 0123456789.eE- \n\t\\\r"),
        new("exposition-openmetrics", b => ExpositionParser.Parse(b, ExpositionFormat.OpenMetrics), e => e is ExpositionParseException, OpenMetricsSeeds,
            "abc_:{}=\",# HELP TYPE UNIT EOF counter gauge histogram summary unknown info stateset gaugehistogram _total _created le +Inf 0123456789.eE- \n\t\\"),
        new("push-body", b => PushStore.ParseBody(b, "text/plain"), e => e is PushException, ExpositionSeeds,
            "abc_:{}=\",# HELP TYPE histogram summary le quantile _bucket _sum _count +Inf NaN 1e999 0123456789. \n\t\\"),
        new("push-path", b => PushGroupingKey.Parse(Text(b)), e => e is PushException, PushPathSeeds,
            "/metrics/job/instance@base64=%2F%20%zz_abcXYZ019-+.="),
        new("alertmanager-config", b => AlertmanagerConfigLoader.Parse(Text(b), "alertmanager.yml"), e => e is Core.Config.ConfigException, AlertmanagerSeeds,
            "route: receiver: receivers: - name: group_by: [] matchers: match_re: continue: true group_wait: 30s inhibit_rules: time_intervals: email_configs: to: slack_configs: api_url: '\"{}=~!\n  "),
        new("rule-file", b => RuleFileLoader.Parse(Text(b), "fuzz.rules.yml"), e => e is Core.Config.ConfigException, RuleSeeds,
            "groups: - name: interval: rules: alert: record: expr: for: keep_firing_for: labels: annotations: 1m {{ $value }} up == 0 '\"\n  "),
        new("scrape-config", b => ScrapeConfigLoader.Parse(Text(b), "scrape.yml"), e => e is Core.Config.ConfigException, ScrapeSeeds,
            "global: scrape_interval: scrape_configs: - job_name: static_configs: targets: relabel_configs: source_labels: regex: action: 15s '\"[]:\n  "),
        new("escalation-policy", b => EscalationPolicyLoader.Parse(Text(b)), e => e is Core.Config.ConfigException, EscalationSeeds,
            "policies: - name: match: steps: after: notify: repeat: count: interval: 5m team engineer manager '\"[]:\n  "),
        new("oncall", b => OnCallLoader.Parse(Text(b)), e => e is Core.Config.ConfigException, OnCallSeeds,
            "roles: engineer: manager: rotation: people: - name: email: slack: start: 2024-01-01T00:00:00Z every: 7d '\"[]:\n  "),
        new("go-template", RunTemplate, e => e is TemplateParseException or TemplateExecutionException or TemplateArgumentException, TemplateSeeds,
            "{{ }} range end if else with define template block . $ $x := | printf \"%s\" index len toUpper title join safeHtml reReplaceAll .Alerts .Labels .CommonLabels ( ) 0 1 -\n"),
        new("webhook-json", b => IngestParser.ParseWebhook(b), e => e is IngestException, WebhookSeeds, JsonAlphabet),
        new("v2-alerts-json", b => IngestParser.ParseV2Alerts(b), e => e is IngestException, V2Seeds, JsonAlphabet),
        new("silence-json", b => SilenceFunctions.ParseBody(b), e => e is SilenceInputException, SilenceSeeds, JsonAlphabet + " matchers isRegex isEqual startsAt endsAt createdBy comment =~ .*"),
        new("matcher", b => MatcherParser.Parse(Text(b)), e => e is MatcherParseException, MatcherSeeds, "{}=~!\"a_z09,.*+?()[]| \\"),
        new("slack-interaction", RunSlack, _ => false, SlackSeeds, JsonAlphabet + "payload=&%7B%22+ block_actions actions action_id value user id username channel container message_ts"),
        new("pagerduty-webhook", RunPagerDuty, _ => false, PagerDutySeeds, JsonAlphabet + " event event_type incident.acknowledged data incident_key agent summary occurred_at"),
        new("signed-link", b => new SignedLinkSigner(LinkKey, Clock).Inspect(Text(b), "acknowledge"), _ => false, LinkSeeds, "v1.abcXYZ-_=0123456789acknowledge"),
    ];

    public static FuzzTarget Get(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"unknown fuzz target '{name}'; targets: {string.Join(", ", All.Select(t => t.Name))}");

    private const string JsonAlphabet = "{}[]\":,0123456789.eE-+ truefalsenull\\u0000\\\"abc labels annotations alerts version startsAt endsAt generatorURL 2026-11-24T10:00:00Z 0001-01-01T00:00:00Z \n\t";

    private static string Text(byte[] b) => Encoding.UTF8.GetString(b);

    private static void RunTemplate(byte[] b)
    {
        var set = TemplateSet.Create(AlertmanagerTemplates.Functions(Clock));
        var data = new Dictionary<string, object?>
        {
            ["Alerts"] = new List<object?> { new Dictionary<string, object?> { ["Labels"] = new Dictionary<string, string> { ["alertname"] = "A", ["instance"] = "i-1" }, ["Status"] = "firing" } },
            ["CommonLabels"] = new Dictionary<string, string> { ["alertname"] = "A" },
            ["Status"] = "firing",
        };
        set.ExecuteText(Text(b), data);
    }

    private static void RunSlack(byte[] b)
    {
        // Layout: timestamp '\n' signature '\n' body, as the three things a Slack request carries.
        var parts = Text(b).Split('\n', 3);
        var body = parts.Length > 2 ? parts[2] : parts[^1];
        new SlackRequestVerifier("fuzz-secret", Clock).Verify(parts[0], parts.Length > 1 ? parts[1] : null, Encoding.UTF8.GetBytes(body));
        SlackInteractionParser.Parse(body, out _);
    }

    private static void RunPagerDuty(byte[] b)
    {
        var parts = Text(b).Split('\n', 2);
        var body = parts[^1];
        new PagerDutyWebhookVerifier("fuzz-secret").Verify(parts.Length > 1 ? parts[0] : null, Encoding.UTF8.GetBytes(body));
        PagerDutyWebhookEvent.Parse(body, out _);
    }

    private static readonly string[] PromQlSeeds =
    [
        "up == 0",
        "sum by (job) (rate(http_requests_total{job=~\"api.*\",code!=\"200\"}[5m])) / ignoring(code) group_left sum by (job) (rate(http_requests_total[5m])) > 0.05",
        "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))",
        "avg_over_time(node_load1[10m] offset 1h @ 1700000000)",
        "max_over_time((up == bool 1)[30m:1m])",
        "topk(3, -x ^ 2 % 7) unless on(instance) y",
        "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
        "{__name__=~\"node_.*\", job=\"node\"}",
        "absent_over_time(nonexistent[1h]) or vector(1)",
        "count_values(\"v\", build_info) > 1e3",
    ];

    private static readonly string[] ExpositionSeeds =
    [
        "# HELP http_requests_total The total.\n# TYPE http_requests_total counter\nhttp_requests_total{method=\"post\",code=\"200\"} 1027\nhttp_requests_total{method=\"post\",code=\"400\"} 3\n",
        "# TYPE x histogram\nx_bucket{le=\"0.1\"} 1\nx_bucket{le=\"+Inf\"} 2\nx_sum 0.3\nx_count 2\n",
        "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns{quantile=\"0.99\"} NaN\ns_sum 3\ns_count 4\n",
        "metric_without_timestamp_and_labels 12.47\nsomething_weird{problem=\"division by zero\"} +Inf -3982045\n",
        "x_bucket{le=\"abc\"} 1\n",
        "x 1e999\n",
        "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n",
    ];

    private static readonly string[] OpenMetricsSeeds =
    [
        "# TYPE a counter\n# HELP a help\na_total 1 1520879607.789\na_created 1520872607.123\n# EOF\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 0 # {trace_id=\"a\"} 0.5 123\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0.5\n# EOF\n",
        "# TYPE i info\ni_info{version=\"1.0\"} 1\n# TYPE s stateset\ns{s=\"a\"} 1\n# UNIT t_seconds seconds\n# TYPE t_seconds gauge\nt_seconds 2\n# EOF\n",
    ];

    private static readonly string[] PushPathSeeds =
    [
        "/metrics/job/backup",
        "/metrics/job/backup/instance/host-1",
        "/metrics/job@base64/L29wdC9iYWNrdXA/path@base64/L3Zhci9iYWNrdXBz",
        "/metrics/job/nightly/volume/data%2525disk1%20b",
        "/metrics/job/x/__bad/1",
        "/metrics/job/x/odd",
        "/metrics/job@base64/=",
    ];

    private static readonly string[] AlertmanagerSeeds =
    [
        """
        global:
          resolve_timeout: 5m
          smtp_smarthost: 'localhost:25'
          smtp_from: 'a@b.c'
        route:
          receiver: team
          group_by: ['alertname', 'severity']
          group_wait: 30s
          group_interval: 5m
          repeat_interval: 4h
          routes:
            - matchers: ['severity=~"critical|page"', 'team!="db"']
              receiver: pager
              continue: true
              mute_time_intervals: [nights]
        inhibit_rules:
          - source_matchers: ['severity="critical"']
            target_matchers: ['severity="warning"']
            equal: ['instance']
        time_intervals:
          - name: nights
            time_intervals:
              - times: [{start_time: '22:00', end_time: '24:00'}]
                weekdays: ['monday:friday']
        receivers:
          - name: team
            email_configs: [{to: 'team@x.y', send_resolved: true}]
            slack_configs: [{api_url: 'http://127.0.0.1/hook', channel: '#x', title: '{{ .CommonLabels.alertname }}'}]
          - name: pager
            pagerduty_configs: [{routing_key: 'abc'}]
            webhook_configs: [{url: 'http://127.0.0.1/w'}]
        """,
        "route:\n  receiver: x\nreceivers:\n  - name: x\n",
    ];

    private static readonly string[] RuleSeeds =
    [
        """
        groups:
          - name: fleet
            interval: 30s
            limit: 10
            rules:
              - alert: InstanceDown
                expr: up == 0
                for: 5m
                keep_firing_for: 1m
                labels: {severity: critical}
                annotations:
                  summary: '{{ $labels.instance }} down ({{ $value | humanizePercentage }})'
              - record: job:up:sum
                expr: sum by (job) (up)
        """,
        "groups: []\n",
    ];

    private static readonly string[] ScrapeSeeds =
    [
        """
        global:
          scrape_interval: 15s
          scrape_timeout: 5s
          external_labels: {region: eu}
        scrape_configs:
          - job_name: node
            metrics_path: /metrics
            scheme: http
            static_configs:
              - targets: ['127.0.0.1:9100']
                labels: {env: prod}
            relabel_configs:
              - source_labels: [__address__]
                regex: '(.*):\d+'
                target_label: host
                replacement: '$1'
              - action: labeldrop
                regex: tmp_.*
            metric_relabel_configs:
              - action: drop
                source_labels: [__name__]
                regex: go_.*
        """,
    ];

    private static readonly string[] EscalationSeeds =
    [
        """
        policies:
          - name: default
            match: {severity: critical}
            steps:
              - after: 0m
                notify: [team]
              - after: 5m
                notify: [engineer]
              - after: 15m
                notify: [manager]
            repeat:
              count: 1
              interval: 30m
        """,
    ];

    private static readonly string[] OnCallSeeds =
    [
        """
        roles:
          engineer:
            rotation:
              start: 2026-01-05T09:00:00Z
              every: 7d
              people:
                - {name: Ana, email: ana@x.y, slack: U1}
                - {name: Bo, email: bo@x.y}
          manager:
            people:
              - {name: Cy, email: cy@x.y}
        """,
    ];

    private static readonly string[] TemplateSeeds =
    [
        "{{ range .Alerts }}{{ .Labels.alertname }} on {{ .Labels.instance }}{{ end }}",
        "{{ define \"t\" }}[{{ .Status | toUpper }}]{{ end }}{{ template \"t\" . }}",
        "{{ if eq .Status \"firing\" }}{{ len .Alerts }} firing{{ else }}ok{{ end }}",
        "{{ $x := index .CommonLabels \"alertname\" }}{{ printf \"%s-%d\" $x 3 }}{{ reReplaceAll \"A\" \"B\" $x }}",
        "{{ with .CommonLabels }}{{ .alertname | title }}{{ end }}{{/* comment */}}{{- \" trimmed \" -}}",
    ];

    private static readonly string[] WebhookSeeds =
    [
        """{"version":"4","status":"firing","receiver":"r","alerts":[{"status":"firing","labels":{"alertname":"A","severity":"critical"},"annotations":{"summary":"s"},"startsAt":"2026-11-24T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p"}]}""",
        """{"version":"4","alerts":[null]}""",
        """{"alerts":[]}""",
    ];

    private static readonly string[] V2Seeds =
    [
        """[{"labels":{"alertname":"A","instance":"i"},"annotations":{"summary":"s"},"startsAt":"2026-11-24T10:00:00Z","endsAt":"2026-11-24T11:00:00Z","generatorURL":"http://p"}]""",
        "[null]",
        "[]",
    ];

    private static readonly string[] SilenceSeeds =
    [
        """{"matchers":[{"name":"alertname","value":"A.*","isRegex":true,"isEqual":true}],"startsAt":"2026-11-24T10:00:00Z","endsAt":"2026-11-24T12:00:00Z","createdBy":"me","comment":"maintenance"}""",
        """{"id":"abc","matchers":[{"name":"instance","value":"i-1","isRegex":false}],"startsAt":"2026-11-24T10:00:00Z","endsAt":"2026-11-24T12:00:00Z","createdBy":"me","comment":"c"}""",
    ];

    private static readonly string[] MatcherSeeds =
    [
        "alertname=\"A\"",
        "{severity=~\"critical|page\",team!=\"db\"}",
        "instance!~'i-.*'",
        "foo=bar",
    ];

    private static readonly string[] SlackSeeds =
    [
        "1700000000\nv0=abc\npayload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22U1%22%2C%22username%22%3A%22ana%22%7D%2C%22actions%22%3A%5B%7B%22action_id%22%3A%22acknowledge%22%2C%22value%22%3A%22abc%22%7D%5D%2C%22channel%22%3A%7B%22id%22%3A%22C1%22%7D%2C%22container%22%3A%7B%22message_ts%22%3A%221.2%22%7D%7D",
        "\n\npayload={\"type\":\"block_actions\",\"user\":{\"id\":\"U1\"},\"actions\":[{\"action_id\":\"acknowledge\"}],\"channel\":\"C1\"}",
    ];

    private static readonly string[] PagerDutySeeds =
    [
        "v1=abc\n{\"event\":{\"id\":\"E1\",\"event_type\":\"incident.acknowledged\",\"occurred_at\":\"2026-11-24T10:00:00Z\",\"agent\":{\"summary\":\"Ana\"},\"data\":{\"id\":\"P1\",\"incident_key\":\"k\",\"status\":\"acknowledged\"}}}",
        "\n{\"event\":{\"id\":\"E1\",\"event_type\":\"incident.resolved\",\"agent\":\"Ana\",\"data\":[]}}",
    ];

    private static readonly string[] LinkSeeds =
    [
        "v1.YWJj.acknowledge.1900000000.bm9uY2U.c2ln",
        "v1....",
    ];

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
