using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Fakes;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The Slack fake's Web API (<c>chat.postMessage</c>, <c>chat.update</c>) is as strict as Slack documents
/// it, answers as Slack does, and keeps each message's history. If it were lenient, a malformed request
/// from the product would pass here and fail only against the real Slack.
/// </summary>
public sealed class SlackWebApiFakeTests : IAsyncLifetime
{
    private const string Token = "xoxb-1111111111-2222222222222-TestBotToken000000000";
    private const string Section = """{"type":"section","text":{"type":"mrkdwn","text":"*DiskFull* on vyx-user-1"}}""";

    private readonly HttpClient _http = new();
    private SlackWebhookFake _fake = null!;

    public async Task InitializeAsync() => _fake = await SlackWebhookFake.StartAsync(new SlackFakeOptions { BotToken = Token });

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonObject Body, HttpResponseMessage Response)> CallAsync(
        string method, string json, string? token = Token, string contentType = "application/json; charset=utf-8")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _fake.WebApiUrl + method)
        {
            Content = new StringContent(json, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        var response = await _http.SendAsync(request);
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>())!, response);
    }

    private static string Error(JsonObject body) => (string?)body["error"] ?? "(none)";

    [Fact]
    public async Task A_missing_token_is_not_authed_and_a_wrong_one_invalid_auth()
    {
        var none = await CallAsync("chat.postMessage", """{"channel":"C0123456789","text":"hi"}""", token: null);
        var wrong = await CallAsync("chat.postMessage", """{"channel":"C0123456789","text":"hi"}""", token: "xoxb-not-the-configured-token");

        // Slack answers HTTP 200 with ok:false for every Web API error.
        Assert.Equal((HttpStatusCode.OK, false, "not_authed"), (none.Status, (bool?)none.Body["ok"], Error(none.Body)));
        Assert.Equal((HttpStatusCode.OK, false, "invalid_auth"), (wrong.Status, (bool?)wrong.Body["ok"], Error(wrong.Body)));
        Assert.Empty(_fake.ChatMessages);
        Assert.Equal(2, _fake.Rejected);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused()
    {
        var form = await CallAsync("chat.postMessage", "channel=C0123456789&text=hi", contentType: "application/x-www-form-urlencoded");
        var broken = await CallAsync("chat.postMessage", "{\"channel\":", contentType: "application/json");

        Assert.Equal("invalid_arguments", Error(form.Body));
        Assert.Equal("invalid_json", Error(broken.Body));
        Assert.Empty(_fake.ChatMessages);
    }

    [Fact]
    public async Task A_message_without_a_channel_is_channel_not_found()
    {
        var (status, body, _) = await CallAsync("chat.postMessage", """{"text":"hi"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("channel_not_found", Error(body));
        Assert.Contains(("chat.postMessage", "channel_not_found"), _fake.ChatErrors);
    }

    [Fact]
    public async Task A_message_without_text_or_blocks_is_no_text()
    {
        var (_, body, _) = await CallAsync("chat.postMessage", """{"channel":"C0123456789"}""");

        Assert.Equal("no_text", Error(body));
    }

    [Fact]
    public async Task Invalid_blocks_are_refused_with_slacks_details()
    {
        var (_, body, _) = await CallAsync("chat.postMessage",
            """{"channel":"C0123456789","text":"fallback","blocks":[{"type":"header","text":{"type":"mrkdwn","text":"not plain"}}]}""");

        Assert.Equal("invalid_blocks", Error(body));
        var messages = body["response_metadata"]!["messages"]!.AsArray().Select(m => (string?)m).ToArray();
        Assert.Contains(messages, m => m!.Contains("[json-pointer:/blocks/0/text/type]", StringComparison.Ordinal));
        Assert.Empty(_fake.ChatMessages);
    }

    [Fact]
    public async Task Updating_an_unknown_ts_or_a_ts_of_another_channel_is_message_not_found()
    {
        var posted = await CallAsync("chat.postMessage", """{"channel":"C0123456789","text":"hi"}""");
        var ts = (string)posted.Body["ts"]!;

        var unknown = await CallAsync("chat.update", """{"channel":"C0123456789","ts":"1.000001","text":"edit"}""");
        var otherChannel = await CallAsync("chat.update", $$"""{"channel":"C9876543210","ts":"{{ts}}","text":"edit"}""");
        var noTs = await CallAsync("chat.update", """{"channel":"C0123456789","text":"edit"}""");

        Assert.Equal("message_not_found", Error(unknown.Body));
        Assert.Equal("message_not_found", Error(otherChannel.Body));
        Assert.Equal("message_not_found", Error(noTs.Body));
        Assert.Equal(0, Assert.Single(_fake.ChatMessages).Updates);
    }

    [Fact]
    public async Task A_post_answers_like_slack_with_a_unique_increasing_ts()
    {
        var first = await CallAsync("chat.postMessage", $$"""{"channel":"C0123456789","text":"fallback","blocks":[{{Section}}]}""");
        var second = await CallAsync("chat.postMessage", """{"channel":"#alerts","text":"second"}""");

        Assert.Equal(true, (bool?)first.Body["ok"]);
        Assert.Equal("C0123456789", (string?)first.Body["channel"]);
        var ts1 = (string)first.Body["ts"]!;
        var ts2 = (string)second.Body["ts"]!;
        Assert.Matches(@"^\d{10}\.\d{6}$", ts1);
        Assert.True(decimal.Parse(ts2, CultureInfo.InvariantCulture) > decimal.Parse(ts1, CultureInfo.InvariantCulture));
        var message = first.Body["message"]!;
        Assert.Equal(("message", "fallback", ts1), ((string?)message["type"], (string?)message["text"], (string?)message["ts"]));
        Assert.Equal("section", (string?)message["blocks"]![0]!["type"]);
        // A channel name is answered with a channel id, as Slack resolves it.
        Assert.Equal(SlackWebhookFake.ChannelId("#alerts"), (string?)second.Body["channel"]);
        Assert.StartsWith("C", (string?)second.Body["channel"], StringComparison.Ordinal);
        Assert.Null(first.Body["warning"]);
    }

    [Fact]
    public async Task Json_without_a_charset_is_accepted_with_slacks_warning()
    {
        var (_, body, _) = await CallAsync("chat.postMessage", """{"channel":"C0123456789","text":"hi"}""", contentType: "application/json");

        Assert.Equal(true, (bool?)body["ok"]);
        Assert.Equal("missing_charset", (string?)body["warning"]);
    }

    [Fact]
    public async Task Updates_change_the_message_and_keep_its_history()
    {
        var posted = await CallAsync("chat.postMessage", $$"""{"channel":"C0123456789","text":"firing","blocks":[{{Section}}]}""");
        var ts = (string)posted.Body["ts"]!;

        // Blocks only: the text stays.
        var resolvedBlocks = """{"type":"section","text":{"type":"mrkdwn","text":"*Resolved*"}}""";
        var update1 = await CallAsync("chat.update", $$"""{"channel":"C0123456789","ts":"{{ts}}","blocks":[{{resolvedBlocks}}]}""");
        // Text without blocks: Slack removes the old blocks.
        var update2 = await CallAsync("chat.update", $$"""{"channel":"C0123456789","ts":"{{ts}}","text":"resolved"}""");

        Assert.Equal((true, ts, "C0123456789"), ((bool?)update1.Body["ok"], (string?)update1.Body["ts"], (string?)update1.Body["channel"]));
        Assert.Equal("firing", (string?)update1.Body["text"]);
        Assert.Equal("resolved", (string?)update2.Body["text"]);
        Assert.NotNull(update2.Body["message"]!["edited"]);

        var message = Assert.Single(_fake.ChatMessages);
        Assert.Equal(("C0123456789", ts, "resolved", 2), (message.Channel, message.Ts, message.Text, message.Updates));
        Assert.Null(message.Blocks);
        Assert.Equal(["chat.postMessage", "chat.update", "chat.update"], message.History.Select(h => h.Method));
        Assert.Equal("*DiskFull* on vyx-user-1", (string?)message.History[0].Blocks![0]!["text"]!["text"]);
        Assert.Equal(("firing", "*Resolved*"), (message.History[1].Text, (string?)message.History[1].Blocks![0]!["text"]!["text"]));
        Assert.Equal(ts, (string?)message.History[2].Request["ts"]);
        Assert.Equal(0, _fake.Rejected);

        // The same, over HTTP, for people looking at the running demo.
        var listed = (await _http.GetFromJsonAsync<JsonArray>(new Uri(_fake.BaseAddress, "_fake/chat")))!;
        var entry = Assert.Single(listed)!;
        Assert.Equal((ts, 2, 3), ((string?)entry["ts"], (int?)entry["updates"], entry["history"]!.AsArray().Count));
    }

    [Fact]
    public async Task Failures_asked_for_apply_to_the_web_api_and_the_webhook_alike()
    {
        _fake.FailNext(429, 2, retryAfterSeconds: 7);

        var throttled = await CallAsync("chat.postMessage", """{"channel":"C0123456789","text":"hi"}""");
        using var hook = await _http.PostAsync(_fake.WebhookUrl, new StringContent("""{"text":"hi"}""", Encoding.UTF8, "application/json"));
        var ok = await CallAsync("chat.postMessage", """{"channel":"C0123456789","text":"hi"}""");

        Assert.Equal((HttpStatusCode.TooManyRequests, "ratelimited"), (throttled.Status, Error(throttled.Body)));
        Assert.Equal(TimeSpan.FromSeconds(7), throttled.Response.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.TooManyRequests, hook.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), hook.Headers.RetryAfter?.Delta);
        Assert.Equal(true, (bool?)ok.Body["ok"]);
        Assert.Equal(3, _fake.Requests);

        _fake.FailNext(503, 1);
        using var down = await _http.PostAsync(_fake.WebhookUrl, new StringContent("""{"text":"hi"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Empty(_fake.Received);
        Assert.Single(_fake.ChatMessages);
    }

    private async Task<JsonObject> HistoryAsync(string query, string? token = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _fake.WebApiUrl + "conversations.history?" + query);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task History_pages_newest_first_through_next_cursor_and_returns_metadata_only_when_asked()
    {
        for (var i = 0; i < 3; i++)
        {
            var posted = await CallAsync("chat.postMessage", "{\"channel\":\"C0123456789\",\"text\":\"m" + i + "\",\"metadata\":{\"event_type\":\"alerting_notification_sent\",\"event_payload\":{\"send_key\":\"k" + i + "\"}}}");
            Assert.Equal(true, (bool?)posted.Body["ok"]);
        }
        await CallAsync("chat.postMessage", """{"channel":"C0999999999","text":"elsewhere"}""");

        var first = await HistoryAsync("channel=C0123456789&limit=2&include_all_metadata=true");
        var cursor = (string)first["response_metadata"]!["next_cursor"]!;
        var second = await HistoryAsync($"channel=C0123456789&limit=2&include_all_metadata=true&cursor={Uri.EscapeDataString(cursor)}");
        var plain = await HistoryAsync("channel=C0123456789");

        Assert.Equal(["m2", "m1"], first["messages"]!.AsArray().Select(m => (string)m!["text"]!));
        Assert.Equal(true, (bool?)first["has_more"]);
        Assert.Equal(["m0"], second["messages"]!.AsArray().Select(m => (string)m!["text"]!));
        Assert.Equal(false, (bool?)second["has_more"]);
        Assert.Null(second["response_metadata"]);
        Assert.Equal("k2", (string?)first["messages"]![0]!["metadata"]!["event_payload"]!["send_key"]);
        Assert.NotNull(first["messages"]![0]!["bot_id"]);
        Assert.All(plain["messages"]!.AsArray(), m => Assert.Null(m!["metadata"]));
    }

    [Fact]
    public async Task History_refuses_what_slack_refuses()
    {
        var noToken = await HistoryAsync("channel=C0123456789", token: null);
        var byName = await HistoryAsync("channel=%23alerts");
        var badCursor = await HistoryAsync("channel=C0123456789&cursor=bm90LWEtY3Vyc29y");
        var badOldest = await HistoryAsync("channel=C0123456789&oldest=yesterday");
        var badMetadata = await CallAsync("chat.postMessage", """{"channel":"C0123456789","text":"hi","metadata":{"event_type":"has spaces","event_payload":{}}}""");

        Assert.Equal("not_authed", Error(noToken));
        // conversations.history takes a conversation id only; chat.postMessage resolves names, this does not.
        Assert.Equal("channel_not_found", Error(byName));
        Assert.Equal("invalid_cursor", Error(badCursor));
        Assert.Equal("invalid_ts_oldest", Error(badOldest));
        Assert.Equal("invalid_metadata_format", Error(badMetadata.Body));
        Assert.Empty(_fake.ChatMessages);
    }

    [Fact]
    public async Task History_without_the_history_scope_is_missing_scope_naming_the_scope_needed()
    {
        await using var narrow = await SlackWebhookFake.StartAsync(new SlackFakeOptions { BotToken = Token, Scopes = new HashSet<string>(StringComparer.Ordinal) { "chat:write" } });
        using var request = new HttpRequestMessage(HttpMethod.Get, narrow.WebApiUrl + "conversations.history?channel=C0123456789");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await _http.SendAsync(request);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.Equal((false, "missing_scope", "channels:history", "chat:write"),
            ((bool?)body["ok"], Error(body), (string?)body["needed"], (string?)body["provided"]));
    }

    [Fact]
    public async Task A_post_whose_answer_is_dropped_still_stands_in_the_channel()
    {
        _fake.DropAfterPosting(1);

        await Assert.ThrowsAsync<HttpRequestException>(() => CallAsync("chat.postMessage", """{"channel":"C0123456789","text":"hi"}"""));

        Assert.Single(_fake.ChatMessages);
    }

    [Fact]
    public async Task A_bot_token_slack_would_not_issue_is_refused_at_start()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => SlackWebhookFake.StartAsync(new SlackFakeOptions { BotToken = "xoxp-user-token" }));
    }
}
