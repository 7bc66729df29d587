using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Functions.Options;
using Alerting.Functions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Functions;

/// <summary>
/// Alertmanager's v2 silence API, so <c>amtool</c>-style clients and scripts that manage silences keep
/// working: list (with <c>filter</c> matchers), create or update, get, and expire. States are computed
/// from the application clock on every read.
/// </summary>
public sealed class SilenceFunctions(SilenceStore silences, TimeProvider time, IOptions<AlertingOptions> options)
{
    /// <summary>Alertmanager's default <c>--data.retention</c>: how long expired silences stay listed.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(120);

    private static readonly string[] RequiredFields = ["matchers", "startsAt", "endsAt", "createdBy", "comment"];

    [Function("ListSilences")]
    public async Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/silences")] HttpRequest req,
        CancellationToken ct)
    {
        var filter = new List<LabelMatcher>();
        foreach (var f in req.Query["filter"])
        {
            try
            {
                filter.Add(MatcherParser.Parse(f ?? string.Empty));
            }
            catch (MatcherParseException e)
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, e.Message);
            }
        }
        var now = time.GetUtcNow();
        await silences.PurgeAsync(now, Retention, ct).ConfigureAwait(false);
        var listed = (await silences.ListAsync(ct).ConfigureAwait(false))
            .Where(s => MatchesFilter(s, filter))
            .OrderBy(s => Rank(s, now))
            .ThenBy(s => SortTime(s, now))
            .Select(s => (JsonNode)s.ToJson(now))
            .ToArray();
        return Json(new JsonArray(listed));
    }

    [Function("PostSilence")]
    public async Task<IActionResult> Post(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v2/silences")] HttpRequest req,
        CancellationToken ct)
    {
        var body = await RequestBody.ReadLimitedAsync(req, options.Value.MaxRequestBytes, ct).ConfigureAwait(false);
        if (body is null)
        {
            return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, $"request body exceeds {options.Value.MaxRequestBytes} bytes");
        }
        Silence posted;
        try
        {
            posted = ParseBody(body);
        }
        catch (SilenceInputException e)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, e.Message);
        }
        var now = time.GetUtcNow();
        if (posted.ValidateForCreate(now) is { } invalid)
        {
            // Core returns Alertmanager's complete message ("Failed to create silence: ..." or "silence invalid: ...").
            return ApiResults.Error(StatusCodes.Status400BadRequest, invalid);
        }
        var result = await silences.SetAsync(posted, now, ct).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return ApiResults.Error(result.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest, result.Error!);
        }
        return Json(new JsonObject { ["silenceID"] = result.Id });
    }

    [Function("GetSilence")]
    public async Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/silence/{id}")] HttpRequest req,
        string id,
        CancellationToken ct)
    {
        var silence = await silences.GetAsync(id, ct).ConfigureAwait(false);
        return silence is null
            ? ApiResults.Error(StatusCodes.Status404NotFound, $"silence {id} not found")
            : Json(silence.ToJson(time.GetUtcNow()));
    }

    [Function("DeleteSilence")]
    public async Task<IActionResult> Delete(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "v2/silence/{id}")] HttpRequest req,
        string id,
        CancellationToken ct)
    {
        var result = await silences.ExpireAsync(id, time.GetUtcNow(), ct).ConfigureAwait(false);
        if (result.NotFound)
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, $"silence {id} not found");
        }
        // Alertmanager answers 500 for an already expired silence; it is the caller's mistake, so 400.
        return result.Succeeded ? new OkResult() : ApiResults.Error(StatusCodes.Status400BadRequest, result.Error!);
    }

    /// <summary>
    /// Reads a postable silence, requiring the fields Alertmanager's API schema requires, so a typo in
    /// a field name is an error instead of a silence that mutes for the wrong time.
    /// </summary>
    public static Silence ParseBody(byte[] body)
    {
        JsonNode? node;
        try
        {
            node = JsonInput.Parse(body, SilenceShape);
        }
        catch (JsonInputException e)
        {
            throw new SilenceInputException(e.Message);
        }
        if (node is not JsonObject obj)
        {
            throw new SilenceInputException($"body must be a JSON object (a postable silence); {SilenceShape}");
        }
        foreach (var field in RequiredFields)
        {
            if (obj[field] is null)
            {
                throw new SilenceInputException($"{field} in body is required");
            }
        }
        foreach (var field in (string[])["id", "startsAt", "endsAt", "createdBy", "comment"])
        {
            RequireKind(obj[field], field, JsonValueKind.String, "string");
        }
        if (obj["matchers"] is not JsonArray matchers)
        {
            throw new SilenceInputException($"matchers in body must be of type array: \"{KindName(obj["matchers"])}\"");
        }
        if (matchers.Count == 0)
        {
            throw new SilenceInputException("matchers in body should have at least 1 items");
        }
        for (var i = 0; i < matchers.Count; i++)
        {
            if (matchers[i] is not JsonObject m || m["name"] is null || m["value"] is null || m["isRegex"] is null)
            {
                throw new SilenceInputException($"matchers.{i}: name, value and isRegex are required");
            }
            RequireKind(m["name"], $"matchers.{i}.name", JsonValueKind.String, "string");
            RequireKind(m["value"], $"matchers.{i}.value", JsonValueKind.String, "string");
            RequireKind(m["isRegex"], $"matchers.{i}.isRegex", JsonValueKind.True, "boolean");
            RequireKind(m["isEqual"], $"matchers.{i}.isEqual", JsonValueKind.True, "boolean");
            if (m["isRegex"] is JsonValue r && r.TryGetValue<bool>(out var isRegex) && isRegex
                && m["value"] is JsonValue v && v.TryGetValue<string>(out var pattern))
            {
                try
                {
                    MatcherParser.Create(MatcherType.Regex, string.Empty, pattern);
                }
                catch (MatcherParseException e)
                {
                    // Alertmanager compiles a silence's pattern unanchored and names the matcher.
                    var reason = e.Message.Replace("`^(?:" + pattern + ")$`", "`" + pattern + "`", StringComparison.Ordinal);
                    throw new SilenceInputException($"silence invalid: invalid label matcher {i}: invalid regular expression {MatcherParser.GoQuote(pattern)}: {reason}");
                }
            }
        }
        try
        {
            return Silence.FromJson(obj.ToJsonString());
        }
        catch (MatcherParseException e)
        {
            throw new SilenceInputException("invalid label matcher: " + e.Message);
        }
        catch (FormatException e)
        {
            // An unparseable time, or a rule of Core's postable-silence reader; its messages are for users.
            throw new SilenceInputException("invalid silence: " + e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or JsonException)
        {
            // Types were checked above; anything left is a shape we did not foresee, said without .NET words.
            throw new SilenceInputException($"invalid silence; {SilenceShape}");
        }
    }

    private const string SilenceShape =
        "the body must be a postable silence: {\"matchers\":[{\"name\":\"alertname\",\"value\":\"...\",\"isRegex\":false,\"isEqual\":true}],\"startsAt\":\"<RFC 3339>\",\"endsAt\":\"<RFC 3339>\",\"createdBy\":\"...\",\"comment\":\"...\"}";

    /// <summary>go-swagger's wording, as Alertmanager answers a field of the wrong JSON type.</summary>
    private static void RequireKind(JsonNode? node, string field, JsonValueKind kind, string name)
    {
        if (node is null)
        {
            return;
        }
        var actual = node.GetValueKind();
        var ok = kind == JsonValueKind.True ? actual is JsonValueKind.True or JsonValueKind.False : actual == kind;
        if (!ok)
        {
            throw new SilenceInputException($"{field} in body must be of type {name}: \"{KindName(node)}\"");
        }
    }

    private static string KindName(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    /// <summary>
    /// Alertmanager 0.25's filter on silences: every filter matcher must equal one of the silence's own
    /// matchers (same name, operator and value), so <c>alertname="X"</c> finds the silences written with
    /// exactly that matcher, as <c>amtool silence query</c> shows them.
    /// </summary>
    private static bool MatchesFilter(Silence s, IReadOnlyList<LabelMatcher> filter) =>
        filter.All(f => s.Matchers.Any(m => m.Name == f.Name && m.Type == f.Type && m.Value == f.Value));

    // Alertmanager lists active silences first (ending soonest first), then pending (starting soonest
    // first), then expired (most recently ended first).
    private static int Rank(Silence s, DateTimeOffset now) => s.StateAt(now) switch
    {
        SilenceState.Active => 0,
        SilenceState.Pending => 1,
        _ => 2,
    };

    private static long SortTime(Silence s, DateTimeOffset now) => s.StateAt(now) switch
    {
        SilenceState.Active => s.EndsAt.UtcTicks,
        SilenceState.Pending => s.StartsAt.UtcTicks,
        _ => -s.EndsAt.UtcTicks,
    };

    private static ContentResult Json(JsonNode node) => new()
    {
        Content = node.ToJsonString(),
        ContentType = "application/json",
        StatusCode = StatusCodes.Status200OK,
    };


}

/// <summary>A silence body that is not a postable silence; the message is for the sender.</summary>
public sealed class SilenceInputException(string message) : Exception(message);
