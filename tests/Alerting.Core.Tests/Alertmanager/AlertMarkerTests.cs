using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary>
/// What <c>GET /api/v2/alerts</c> and <c>/alerts/groups</c> show, as Alertmanager 0.25 computes it:
/// state, silencedBy, inhibitedBy, receivers, the filters and the orderings.
/// </summary>
public sealed class AlertMarkerTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly AlertmanagerConfig Config = AlertmanagerConfigLoader.Parse("""
        route:
          receiver: team
          group_by: [alertname]
          routes:
            - matchers: ['severity="critical"']
              receiver: pager
              continue: true
            - matchers: ['severity=~"critical|warning"']
              receiver: chat
              group_by: [alertname, instance]
        inhibit_rules:
          - source_matchers: ['severity="critical"']
            target_matchers: ['severity="warning"']
            equal: [instance]
        receivers:
          - name: team
          - name: pager
          - name: chat
        """, "alertmanager.yml");

    private static Alert Firing(params (string, string)[] labels) =>
        new(Labels.From(labels), Labels.Empty, Now.AddMinutes(-10), Now.AddMinutes(5), string.Empty);

    private static Silence Silencing(string id, string matcher, DateTimeOffset start, DateTimeOffset end) =>
        new(id, [MatcherParser.Parse(matcher)], start, end, "ops", "maintenance");

    private static IReadOnlyList<MarkedAlert> Mark(IEnumerable<Alert> alerts, params Silence[] silences) =>
        AlertMarker.Mark(Config, alerts.Select(a => (a, Now.AddMinutes(-1))), silences, Now);

    private static AlertQuery Query(params (string Name, string Value)[] parameters) =>
        AlertQuery.Parse(name => parameters.Where(p => p.Name == name).Select(p => p.Value).ToArray());

    [Fact]
    public void An_alert_muted_by_active_silences_is_suppressed_and_names_them_sorted()
    {
        var disk = Firing(("alertname", "DiskFull"), ("instance", "a"));
        var marked = Mark([disk],
            Silencing("b-second", "instance=a", Now.AddHours(-1), Now.AddHours(1)),
            Silencing("a-first", "alertname=DiskFull", Now.AddHours(-1), Now.AddHours(1)),
            Silencing("pending", "alertname=DiskFull", Now.AddHours(1), Now.AddHours(2)),
            Silencing("expired", "alertname=DiskFull", Now.AddHours(-2), Now.AddHours(-1)));

        var alert = Assert.Single(marked);
        Assert.Equal(AlertState.Suppressed, alert.State);
        Assert.Equal(["a-first", "b-second"], alert.SilencedBy);
        Assert.Empty(alert.InhibitedBy);
    }

    [Fact]
    public void A_firing_source_inhibits_by_its_fingerprint_and_a_resolved_one_does_not()
    {
        var critical = Firing(("alertname", "NodeDown"), ("instance", "a"), ("severity", "critical"));
        var warning = Firing(("alertname", "DiskSlow"), ("instance", "a"), ("severity", "warning"));
        var otherInstance = Firing(("alertname", "DiskSlow"), ("instance", "b"), ("severity", "warning"));

        var marked = Mark([critical, warning, otherInstance]).ToDictionary(a => a.Fingerprint);
        Assert.Equal([critical.Fingerprint], marked[warning.Fingerprint].InhibitedBy);
        Assert.Equal(AlertState.Suppressed, marked[warning.Fingerprint].State);
        Assert.Equal(AlertState.Active, marked[otherInstance.Fingerprint].State);
        Assert.Equal(AlertState.Active, marked[critical.Fingerprint].State);

        var resolvedSource = critical with { EndsAt = Now.AddMinutes(-1) };
        var afterResolve = Mark([resolvedSource, warning]);
        Assert.Equal(AlertState.Active, Assert.Single(afterResolve).State);
    }

    [Fact]
    public void Resolved_alerts_are_not_listed_and_receivers_follow_the_routes_in_order()
    {
        var critical = Firing(("alertname", "NodeDown"), ("severity", "critical"));
        var resolved = Firing(("alertname", "Gone")) with { EndsAt = Now };
        var plain = Firing(("alertname", "Other"));

        var marked = Mark([critical, resolved, plain]).ToDictionary(a => a.Fingerprint);
        Assert.Equal(2, marked.Count);
        Assert.Equal(["pager", "chat"], marked[critical.Fingerprint].Receivers);
        Assert.Equal(["team"], marked[plain.Fingerprint].Receivers);
    }

    [Fact]
    public void Json_has_alertmanagers_fields_and_omits_an_empty_generator_url()
    {
        var alert = Firing(("alertname", "DiskFull"), ("instance", "a")) with { Annotations = Labels.From(("summary", "full")) };
        var json = Assert.Single(Mark([alert])).ToJson();

        Assert.Equal(["annotations", "endsAt", "fingerprint", "receivers", "startsAt", "status", "updatedAt", "labels"], json.Select(p => p.Key));
        Assert.Equal(alert.Labels.FingerprintHex(), json["fingerprint"]!.GetValue<string>());
        Assert.Equal("2025-03-01T11:50:00.000Z", json["startsAt"]!.GetValue<string>());
        Assert.Equal("2025-03-01T11:59:00.000Z", json["updatedAt"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"inhibitedBy":[],"silencedBy":[],"state":"active"}"""), json["status"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[{"name":"team"}]"""), json["receivers"]));

        var withUrl = Assert.Single(Mark([alert with { GeneratorUrl = "http://prom/graph" }])).ToJson();
        Assert.Equal("http://prom/graph", withUrl["generatorURL"]!.GetValue<string>());
    }

    [Fact]
    public void State_flags_keep_or_drop_active_silenced_and_inhibited_alerts()
    {
        var critical = Firing(("alertname", "NodeDown"), ("instance", "a"), ("severity", "critical"));
        var inhibited = Firing(("alertname", "DiskSlow"), ("instance", "a"), ("severity", "warning"));
        var silenced = Firing(("alertname", "Noise"));
        var marked = Mark([critical, inhibited, silenced], Silencing("s1", "alertname=Noise", Now.AddHours(-1), Now.AddHours(1)));

        string[] Names(AlertQuery q) => q.Alerts(marked).Select(a => a.Alert.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["DiskSlow", "NodeDown", "Noise"], Names(Query()));
        Assert.Equal(["NodeDown"], Names(Query(("silenced", "false"), ("inhibited", "false"))));
        Assert.Equal(["DiskSlow", "Noise"], Names(Query(("active", "false"))));
        Assert.Equal(["DiskSlow"], Names(Query(("active", "false"), ("silenced", "0"))));
        // go-openapi reads any word it does not know as false, and an empty value as the default.
        Assert.Equal(["DiskSlow", "Noise"], Names(Query(("active", "maybe"))));
        Assert.Equal(["DiskSlow", "NodeDown", "Noise"], Names(Query(("active", "YES"), ("silenced", string.Empty))));
    }

    [Fact]
    public void Label_filters_and_receiver_regex_select_alerts_as_alertmanager_does()
    {
        var a = Firing(("alertname", "NodeDown"), ("severity", "critical"), ("team", "db"));
        var b = Firing(("alertname", "DiskSlow"), ("severity", "warning"));
        var c = Firing(("alertname", "Other"));
        var marked = Mark([a, b, c]);

        string[] Names(AlertQuery q) => q.Alerts(marked).Select(x => x.Alert.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["NodeDown"], Names(Query(("filter", "team=db"))));
        Assert.Equal(["DiskSlow", "NodeDown"], Names(Query(("filter", "severity=~\"critical|warning\""))));
        // An empty-valued equality also accepts an absent label; an empty-valued negation a present one.
        Assert.Equal(["DiskSlow", "Other"], Names(Query(("filter", "team=\"\""))));
        Assert.Equal(["NodeDown"], Names(Query(("filter", "team!=\"\""))));
        Assert.Equal(["DiskSlow", "NodeDown"], Names(Query(("receiver", "chat"))));
        Assert.Equal(["NodeDown"], Names(Query(("receiver", "pag.*"))));
        Assert.Empty(Names(Query(("receiver", "pag"))));
        Assert.Equal(["DiskSlow", "NodeDown", "Other"], Names(Query(("receiver", string.Empty))));
    }

    [Fact]
    public void Alerts_are_ordered_by_fingerprint()
    {
        var alerts = Enumerable.Range(0, 20).Select(i => Firing(("alertname", "A" + i))).ToArray();
        var listed = Query().Alerts(Mark(alerts)).Select(a => a.Fingerprint).ToArray();
        Assert.Equal(listed.Order(StringComparer.Ordinal), listed);
    }

    [Theory]
    [InlineData("filter", "foo", "bad matcher format: foo")]
    [InlineData("filter", "", "bad matcher format: ")]
    [InlineData("filter", "a=~(", "error parsing regexp: missing closing ): `^(?:()$`")]
    [InlineData("receiver", "a(", "failed to parse receiver param: error parsing regexp: missing closing ): `^(?:a()$`")]
    public void Bad_parameters_are_refused_with_alertmanagers_messages(string name, string value, string message)
    {
        var e = Assert.Throws<AlertQueryException>(() => Query((name, value)));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Groups_hold_each_routes_alerts_by_group_labels_sorted_with_per_alert_receivers()
    {
        var nodeA = Firing(("alertname", "NodeDown"), ("instance", "a"), ("job", "node"), ("severity", "critical"));
        var nodeB = Firing(("alertname", "NodeDown"), ("instance", "b"), ("job", "node"), ("severity", "critical"));
        var other = Firing(("alertname", "Other"));
        var groups = Query().Groups(Config, Mark([nodeB, other, nodeA]));

        Assert.Equal(
            ["{alertname=\"NodeDown\"}/pager", "{alertname=\"Other\"}/team", "{alertname=\"NodeDown\", instance=\"a\"}/chat", "{alertname=\"NodeDown\", instance=\"b\"}/chat"],
            groups.Select(g => RouteMatch.FormatLabelSet(g.Labels) + "/" + g.Receiver));
        var pager = groups[0];
        Assert.Equal([nodeA.Fingerprint, nodeB.Fingerprint], pager.Alerts.Select(a => a.Fingerprint));
        var json = pager.ToJson();
        Assert.Equal(["alerts", "labels", "receiver"], json.Select(p => p.Key));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[{"name":"chat"},{"name":"pager"}]"""), json["alerts"]![0]!["receivers"]));

        var onlyChat = Query(("receiver", "chat")).Groups(Config, Mark([nodeA]));
        var group = Assert.Single(onlyChat);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[{"name":"chat"}]"""), group.ToJson()["alerts"]![0]!["receivers"]));
    }

    [Fact]
    public void Label_sets_order_as_prometheus_label_set_before()
    {
        Assert.True(AlertOrder.CompareLabelSets(Labels.From(("z", "1")), Labels.From(("a", "1"), ("b", "1"))) < 0);
        Assert.True(AlertOrder.CompareLabelSets(Labels.From(("a", "2")), Labels.From(("a", "1"))) > 0);
        Assert.True(AlertOrder.CompareLabelSets(Labels.From(("a", "1")), Labels.From(("b", "1"))) > 0);
        Assert.Equal(0, AlertOrder.CompareLabelSets(Labels.From(("a", "1")), Labels.From(("a", "1"))));
    }
}
