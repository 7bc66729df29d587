using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Notify.Slack;
using Microsoft.AspNetCore.Http;

namespace Alerting.Fakes;

/// <summary>
/// Slack's <c>conversations.history</c>, as documented: arguments from the query string or a POSTed form or
/// JSON body (<c>channel</c>, <c>oldest</c>, <c>latest</c>, <c>inclusive</c>, <c>limit</c>, <c>cursor</c>,
/// <c>include_all_metadata</c>), the bot token checked first, then the history scope of the conversation's
/// kind (<c>missing_scope</c> with <c>needed</c> and <c>provided</c>), messages newest first, cursor
/// pagination through <c>response_metadata.next_cursor</c>, and message metadata only when asked for.
/// </summary>
public sealed partial class SlackWebhookFake
{
    /// <summary>Slack's documented maximum for <c>limit</c>; larger values are served as this many.</summary>
    private const int MaxHistoryLimit = 999;

    private async Task<IResult> HistoryAsync(HttpContext ctx)
    {
        const string method = "conversations.history";
        if (NextFailure() is { } fail)
        {
            return WebApiFailure(fail);
        }
        if (AuthError(ctx) is { } authError)
        {
            return ChatError(method, authError);
        }
        var args = await ArgumentsAsync(ctx).ConfigureAwait(false);
        if (args is null)
        {
            return ChatError(method, "invalid_arguments", ["[ERROR] the body must be a form or a JSON object"]);
        }

        // Only a conversation id names a conversation here: chat.postMessage resolves names, this method does not.
        var channel = args.GetValueOrDefault("channel");
        if (string.IsNullOrEmpty(channel) || !SlackSendMarker.IsConversationId(channel))
        {
            return ChatError(method, "channel_not_found");
        }
        var needed = channel[0] switch
        {
            'C' => "channels:history",
            'G' => "groups:history",
            _ => "im:history",
        };
        if (!_options.Scopes.Contains(needed))
        {
            lock (_gate)
            {
                _chatErrors.Add((method, "missing_scope"));
            }
            Interlocked.Increment(ref _rejected);
            return Results.Json(new JsonObject
            {
                ["ok"] = false,
                ["error"] = "missing_scope",
                ["needed"] = needed,
                ["provided"] = string.Join(',', _options.Scopes.Order(StringComparer.Ordinal)),
            });
        }

        var limit = 100;
        if (args.GetValueOrDefault("limit") is { } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
        {
            return ChatError(method, "invalid_limit");
        }
        limit = Math.Min(limit, MaxHistoryLimit);
        if (!TryTs(args.GetValueOrDefault("oldest"), 0m, out var oldest))
        {
            return ChatError(method, "invalid_ts_oldest");
        }
        if (!TryTs(args.GetValueOrDefault("latest"), decimal.MaxValue, out var latest))
        {
            return ChatError(method, "invalid_ts_latest");
        }
        var inclusive = IsTrue(args.GetValueOrDefault("inclusive"));
        var withMetadata = IsTrue(args.GetValueOrDefault("include_all_metadata"));
        decimal? before = null;
        if (args.GetValueOrDefault("cursor") is { Length: > 0 } cursor)
        {
            if (DecodeCursor(cursor) is not { } from)
            {
                return ChatError(method, "invalid_cursor");
            }
            before = from;
        }

        JsonObject[] page;
        bool hasMore;
        string? nextCursor;
        lock (_gate)
        {
            var inRange = _chat
                .Where(m => m.Channel == channel)
                .Select(m => (Message: m, Ts: Ts(m.Ts)))
                .Where(m => inclusive ? m.Ts >= oldest && m.Ts <= latest : m.Ts > oldest && m.Ts < latest)
                .Where(m => before is null || m.Ts <= before)
                .OrderByDescending(m => m.Ts)
                .ToArray();
            page = inRange.Take(limit).Select(m => m.Message.ToSlackMessage(withMetadata)).ToArray();
            hasMore = inRange.Length > limit;
            nextCursor = hasMore ? EncodeCursor(inRange[limit].Ts) : null;
        }
        var response = new JsonObject
        {
            ["ok"] = true,
            ["messages"] = new JsonArray(page),
            ["has_more"] = hasMore,
            ["pin_count"] = 0,
            ["channel_actions_ts"] = null,
            ["channel_actions_count"] = 0,
        };
        if (nextCursor is not null)
        {
            response["response_metadata"] = new JsonObject { ["next_cursor"] = nextCursor };
        }
        return Results.Json(response);
    }

    /// <summary>The method's arguments: the query string for GET, the form or JSON body for POST (as Slack reads them).</summary>
    private static async Task<Dictionary<string, string>?> ArgumentsAsync(HttpContext ctx)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        if (HttpMethods.IsGet(ctx.Request.Method))
        {
            foreach (var (key, value) in ctx.Request.Query)
            {
                args[key] = value.ToString();
            }
            return args;
        }
        if (ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false);
            foreach (var (key, value) in form)
            {
                args[key] = value.ToString();
            }
            return args;
        }
        if (ctx.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true)
        {
            try
            {
                if (await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted).ConfigureAwait(false) is not JsonObject body)
                {
                    return null;
                }
                foreach (var (key, value) in body)
                {
                    args[key] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString() ?? string.Empty;
                }
                return args;
            }
            catch (JsonException)
            {
                return null;
            }
        }
        return null;
    }

    private static bool IsTrue(string? value) => value is "true" or "1";

    private static bool TryTs(string? text, decimal fallback, out decimal ts)
    {
        if (string.IsNullOrEmpty(text))
        {
            ts = fallback;
            return true;
        }
        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out ts);
    }

    private static decimal Ts(string ts) => decimal.Parse(ts, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    /// <summary>Opaque to callers, as Slack's cursors are: the ts of the first message of the next page.</summary>
    private static string EncodeCursor(decimal ts) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("bmV4dF90czo=" + ts.ToString("0.000000", CultureInfo.InvariantCulture)));

    private static decimal? DecodeCursor(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            return text.StartsWith("bmV4dF90czo=", StringComparison.Ordinal) &&
                decimal.TryParse(text["bmV4dF90czo=".Length..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ts)
                ? ts
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
