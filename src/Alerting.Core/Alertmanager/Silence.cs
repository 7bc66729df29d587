using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Model;

namespace Alerting.Core.Alertmanager;

public enum SilenceState
{
    Pending,
    Active,
    Expired,
}

/// <summary>
/// An Alertmanager silence: it mutes every alert whose labels satisfy all its matchers while
/// <c>StartsAt &lt;= now &lt; EndsAt</c>. JSON follows Alertmanager's v2 API (<c>GET /api/v2/silences</c>).
/// </summary>
public sealed record Silence(
    string Id,
    IReadOnlyList<LabelMatcher> Matchers,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string CreatedBy,
    string Comment)
{
    /// <summary>When the silence was last changed; Alertmanager requires it and reports it as <c>updatedAt</c>.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }

    public static string NewId() => Guid.NewGuid().ToString();

    /// <summary>Pending before <see cref="StartsAt"/>, active until <see cref="EndsAt"/> (exclusive), then expired.</summary>
    public SilenceState StateAt(DateTimeOffset now) =>
        now < StartsAt ? SilenceState.Pending : now < EndsAt ? SilenceState.Active : SilenceState.Expired;

    public bool IsActive(DateTimeOffset now) => StateAt(now) == SilenceState.Active;

    /// <summary>True when every matcher accepts <paramref name="labels"/> (a missing label reads as empty).</summary>
    public bool Matches(Labels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var m in Matchers)
        {
            if (!m.Matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether this silence mutes <paramref name="labels"/> at <paramref name="now"/>.</summary>
    public bool Mutes(Labels labels, DateTimeOffset now) => IsActive(now) && Matches(labels);

    /// <summary>
    /// Alertmanager's checks for a stored silence: an id, at least one matcher, valid label names, an end
    /// not before the start, and at least one matcher that does not match the empty string (otherwise
    /// the silence would mute every alert). Returns the first problem, or null when valid.
    /// </summary>
    public string? Validate()
    {
        if (string.IsNullOrEmpty(Id))
        {
            return "ID missing";
        }
        if (Matchers.Count == 0)
        {
            return "at least one matcher required";
        }
        for (var i = 0; i < Matchers.Count; i++)
        {
            if (!ConfigParser.IsValidLabelName(Matchers[i].Name))
            {
                return $"invalid label matcher {i}: invalid label name \"{Matchers[i].Name}\"";
            }
        }
        if (Matchers.All(m => m.MatchesEmpty))
        {
            return "at least one matcher must not match the empty string";
        }
        if (StartsAt == default)
        {
            return "invalid zero start timestamp";
        }
        if (EndsAt == default)
        {
            return "invalid zero end timestamp";
        }
        return EndsAt < StartsAt ? "end time must not be before start time" : null;
    }

    /// <summary>
    /// The extra checks of <c>POST /api/v2/silences</c> for a new or updated silence: the start must be
    /// before the end and the end must not be in the past. Returns the API's message, or null.
    /// </summary>
    public string? ValidateForCreate(DateTimeOffset now)
    {
        if (StartsAt >= EndsAt)
        {
            return "Failed to create silence: start time must be before end time";
        }
        if (EndsAt < now)
        {
            return "Failed to create silence: end time can't be in the past";
        }
        var withId = string.IsNullOrEmpty(Id) ? this with { Id = "new" } : this;
        var withUpdate = withId.UpdatedAt is null ? withId with { UpdatedAt = now } : withId;
        return withUpdate.Validate();
    }

    /// <summary>The v2 API object, with <c>status.state</c> computed at <paramref name="now"/>.</summary>
    public JsonObject ToJson(DateTimeOffset now)
    {
        var matchers = new JsonArray();
        foreach (var m in Matchers)
        {
            matchers.Add(new JsonObject
            {
                ["name"] = m.Name,
                ["value"] = m.Value,
                ["isRegex"] = m.Type is MatcherType.Regex or MatcherType.NotRegex,
                ["isEqual"] = m.Type is MatcherType.Equal or MatcherType.Regex,
            });
        }
        return new JsonObject
        {
            ["id"] = Id,
            ["status"] = new JsonObject { ["state"] = StateAt(now).ToString().ToLowerInvariant() },
            ["updatedAt"] = FormatTime(UpdatedAt ?? StartsAt),
            ["comment"] = Comment,
            ["createdBy"] = CreatedBy,
            ["endsAt"] = FormatTime(EndsAt),
            ["startsAt"] = FormatTime(StartsAt),
            ["matchers"] = matchers,
        };
    }

    public string ToJsonString(DateTimeOffset now) => ToJson(now).ToJsonString();

    /// <summary>
    /// Reads a v2 API silence (as posted to <c>/api/v2/silences</c> or listed by it). <c>isEqual</c>
    /// defaults to true, as in the API; <c>id</c> may be absent for a new silence.
    /// </summary>
    public static Silence FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var matchers = new List<LabelMatcher>();
        if (root.TryGetProperty("matchers", out var ms) && ms.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in ms.EnumerateArray())
            {
                var name = m.GetProperty("name").GetString() ?? string.Empty;
                var value = m.TryGetProperty("value", out var v) ? v.GetString() ?? string.Empty : string.Empty;
                var isRegex = m.TryGetProperty("isRegex", out var r) && r.GetBoolean();
                var isEqual = !m.TryGetProperty("isEqual", out var e) || e.GetBoolean();
                var type = (isRegex, isEqual) switch
                {
                    (false, true) => MatcherType.Equal,
                    (false, false) => MatcherType.NotEqual,
                    (true, true) => MatcherType.Regex,
                    _ => MatcherType.NotRegex,
                };
                matchers.Add(MatcherParser.Create(type, name, value));
            }
        }
        return new Silence(
            Str(root, "id"),
            matchers,
            Time(root, "startsAt") ?? default,
            Time(root, "endsAt") ?? default,
            Str(root, "createdBy"),
            Str(root, "comment"))
        {
            UpdatedAt = Time(root, "updatedAt"),
        };

        static string Str(JsonElement e, string name) =>
            e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() ?? string.Empty : string.Empty;

        static DateTimeOffset? Time(JsonElement e, string name) =>
            e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String
                ? DateTimeOffset.Parse(p.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
                : null;
    }

    /// <summary>Alertmanager's timestamp format: RFC 3339 in UTC with milliseconds.</summary>
    public static string FormatTime(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
