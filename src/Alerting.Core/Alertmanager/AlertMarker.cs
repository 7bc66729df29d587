using System.Text.Json.Nodes;
using Alerting.Core.Model;

namespace Alerting.Core.Alertmanager;

/// <summary>Alertmanager's <c>status.state</c> of an alert.</summary>
public enum AlertState
{
    /// <summary>Received but not yet routed (we list only routed alerts, so our API never shows it).</summary>
    Unprocessed,

    Active,

    /// <summary>Muted by at least one active silence or by an inhibiting alert.</summary>
    Suppressed,
}

/// <summary>
/// One alert as Alertmanager's v2 API shows it (<c>gettableAlert</c>): the alert, when it was last
/// received, its state, the silences and the alerts that mute it, and the receivers its routes reach.
/// </summary>
public sealed record MarkedAlert(
    Alert Alert,
    DateTimeOffset UpdatedAt,
    AlertState State,
    IReadOnlyList<string> SilencedBy,
    IReadOnlyList<string> InhibitedBy,
    IReadOnlyList<string> Receivers)
{
    public string Fingerprint => Alert.Fingerprint;

    /// <summary>The <c>gettableAlert</c> JSON, fields in Alertmanager's order.</summary>
    public JsonObject ToJson() => ToJson(Receivers);

    internal JsonObject ToJson(IReadOnlyList<string> receivers)
    {
        var json = new JsonObject
        {
            ["annotations"] = LabelsJson(Alert.Annotations),
            ["endsAt"] = Silence.FormatTime(Alert.EndsAt ?? default),
            ["fingerprint"] = Fingerprint,
            ["receivers"] = new JsonArray(receivers.Select(r => (JsonNode)new JsonObject { ["name"] = r }).ToArray()),
            ["startsAt"] = Silence.FormatTime(Alert.StartsAt),
            ["status"] = new JsonObject
            {
                ["inhibitedBy"] = new JsonArray(InhibitedBy.Select(i => (JsonNode)JsonValue.Create(i)).ToArray()),
                ["silencedBy"] = new JsonArray(SilencedBy.Select(i => (JsonNode)JsonValue.Create(i)).ToArray()),
                ["state"] = State.ToString().ToLowerInvariant(),
            },
            ["updatedAt"] = Silence.FormatTime(UpdatedAt),
        };
        if (Alert.GeneratorUrl.Length > 0)
        {
            json["generatorURL"] = Alert.GeneratorUrl;
        }
        json["labels"] = LabelsJson(Alert.Labels);
        return json;
    }

    internal static JsonObject LabelsJson(Labels labels)
    {
        var o = new JsonObject();
        foreach (var l in labels)
        {
            o[l.Name] = l.Value;
        }
        return o;
    }
}

/// <summary>
/// Alertmanager's marker, as a pure computation over what is stored: for every alert that has not
/// resolved at <c>now</c>, the active silences that match it (ids sorted, as Alertmanager's silencer
/// records them), the firing alert that inhibits it under the config's <c>inhibit_rules</c> (its
/// fingerprint), the resulting state, and the receivers of the routes it matches, in route order.
/// </summary>
public static class AlertMarker
{
    public static IReadOnlyList<MarkedAlert> Mark(
        AlertmanagerConfig config,
        IEnumerable<(Alert Alert, DateTimeOffset UpdatedAt)> alerts,
        IEnumerable<Silence> silences,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(silences);
        var firing = alerts.Where(a => !a.Alert.IsResolvedAt(now)).ToArray();
        var active = silences.Where(s => s.IsActive(now)).ToArray();
        // Only alerts matching some rule's source side can inhibit; narrowing once keeps the per-alert scan short.
        var sources = firing.Select(a => a.Alert.Labels)
            .Where(l => config.InhibitRules.Any(r => r.SourceMatchers.All(m => m.Matches(l))))
            .ToArray();
        var inhibitor = config.CreateInhibitor();
        var result = new MarkedAlert[firing.Length];
        for (var i = 0; i < firing.Length; i++)
        {
            var (alert, updatedAt) = firing[i];
            var silencedBy = active.Where(s => s.Matches(alert.Labels)).Select(s => s.Id).Order(StringComparer.Ordinal).ToArray();
            string[] inhibitedBy = sources.Length > 0 && inhibitor.InhibitedBy(alert.Labels, sources) is { } source
                ? [source.FingerprintHex()]
                : [];
            var state = silencedBy.Length > 0 || inhibitedBy.Length > 0 ? AlertState.Suppressed : AlertState.Active;
            var receivers = config.Root.MatchRoutes(alert.Labels).Select(r => r.Receiver).ToArray();
            result[i] = new MarkedAlert(alert, updatedAt, state, silencedBy, inhibitedBy, receivers);
        }
        return result;
    }
}
