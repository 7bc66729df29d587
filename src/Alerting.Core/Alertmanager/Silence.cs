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
    /// The checks of <c>POST /api/v2/silences</c> for a new or updated silence, with Alertmanager's
    /// messages: the start must be before the end, the end must not be in the past, then the stored-silence
    /// rules of <see cref="Validate"/> (reported as "silence invalid: ..."). Returns null when acceptable.
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
        return PrepareForCreate(now).Validate() is { } problem ? "silence invalid: " + problem : null;
    }

    /// <summary>
    /// What Alertmanager stores for a posted silence: a new id when none was given, a start in the past
    /// moved to <paramref name="now"/>, and <see cref="UpdatedAt"/> set to <paramref name="now"/>.
    /// </summary>
    public Silence PrepareForCreate(DateTimeOffset now) => this with
    {
        Id = string.IsNullOrEmpty(Id) ? NewId() : Id,
        StartsAt = StartsAt < now ? now : StartsAt,
        UpdatedAt = now,
    };

    /// <summary>The v2 API object, with <c>status.state</c> computed at <paramref name="now"/>.</summary>
    public JsonObject ToJson(DateTimeOffset now)
    {
        var matchers = new JsonArray();
        foreach (var m in Matchers)
        {
            matchers.Add(new JsonObject
            {
                ["isEqual"] = m.Type is MatcherType.Equal or MatcherType.Regex,
                ["isRegex"] = m.Type is MatcherType.Regex or MatcherType.NotRegex,
                ["name"] = m.Name,
                ["value"] = m.Value,
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
            ["matchers"] = matchers,
            ["startsAt"] = FormatTime(StartsAt),
        };
    }

    public string ToJsonString(DateTimeOffset now) => ToJson(now).ToJsonString();

    /// <summary>
    /// Reads a v2 API silence (as posted to <c>/api/v2/silences</c> or listed by it). Like the API it
    /// requires <c>matchers</c> (at least one, each with <c>name</c>, <c>value</c>, <c>isRegex</c>),
    /// <c>startsAt</c>, <c>endsAt</c>, <c>createdBy</c> and <c>comment</c>; <c>isEqual</c> defaults to
    /// true and <c>id</c> may be absent for a new silence. Problems throw <see cref="FormatException"/>
    /// with Alertmanager's message.
    /// </summary>
    public static Silence FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        foreach (var required in new[] { "comment", "createdBy", "endsAt", "matchers", "startsAt" })
        {
            if (!root.TryGetProperty(required, out _))
            {
                throw new FormatException($"{required} in body is required");
            }
        }
        var matchers = new List<LabelMatcher>();
        var ms = root.GetProperty("matchers");
        if (ms.ValueKind != JsonValueKind.Array || ms.GetArrayLength() == 0)
        {
            throw new FormatException("matchers in body should have at least 1 items");
        }
        var index = 0;
        foreach (var m in ms.EnumerateArray())
        {
            foreach (var required in new[] { "isRegex", "name", "value" })
            {
                if (!m.TryGetProperty(required, out _))
                {
                    throw new FormatException($"matchers.{index}.{required} in body is required");
                }
            }
            var name = m.GetProperty("name").GetString() ?? string.Empty;
            var value = m.GetProperty("value").GetString() ?? string.Empty;
            var isRegex = m.GetProperty("isRegex").GetBoolean();
            var isEqual = !m.TryGetProperty("isEqual", out var e) || e.GetBoolean();
            {
                var type = (isRegex, isEqual) switch
                {
                    (false, true) => MatcherType.Equal,
                    (false, false) => MatcherType.NotEqual,
                    (true, true) => MatcherType.Regex,
                    _ => MatcherType.NotRegex,
                };
                try
                {
                    matchers.Add(new LabelMatcher(type, name, value));
                }
                catch (System.Text.RegularExpressions.RegexParseException ex)
                {
                    // Alertmanager compiles the regex unanchored when validating a silence.
                    var detail = MatcherParser.RegexError(value, ex).Replace($"`^(?:{value})$`", $"`{value}`", StringComparison.Ordinal);
                    throw new FormatException($"silence invalid: invalid label matcher {index}: invalid regular expression \"{value}\": {detail}");
                }
            }
            index++;
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
