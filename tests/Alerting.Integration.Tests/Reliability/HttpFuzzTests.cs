using System.Net;
using System.Text;
using Alerting.Core.Tests.Properties;
using Alerting.Integration.Tests.Escalation;
using Alerting.LocalHost;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Azure.Functions.Worker;
using Xunit.Abstractions;

namespace Alerting.Integration.Tests.Reliability;

/// <summary>
/// The HTTP fuzz pass: malformed and random requests to every route the app serves (found from the
/// functions' own trigger attributes, so a new route is fuzzed without touching this test), with and
/// without keys, wrong methods, broken JSON and text bodies, invalid UTF-8, oversized bodies and odd
/// path values. Every answer must be a 4xx with a message, never a 5xx or a dropped connection, and
/// the stored state (every table row, blob and queue message) must be the same afterwards.
/// ALERTING_HTTP_FUZZ_REQUESTS sets the number of requests (CI: 600).
/// </summary>
public sealed class HttpFuzzTests(ITestOutputHelper output)
{
    private static readonly int Requests = int.TryParse(Environment.GetEnvironmentVariable("ALERTING_HTTP_FUZZ_REQUESTS"), out var n) && n > 0 ? n : 600;

    [Fact]
    public async Task Malformed_requests_to_every_route_get_a_4xx_with_a_message_and_change_nothing()
    {
        await using var s = await EscalationScenario.StartAsync(slackBot: true);
        var stack = s.Stack;
        // Storage exists and holds something worth protecting: one routed, notified, escalated alert.
        await s.FireAsync();
        var before = await SnapshotAsync(stack.Azurite.ConnectionString);

        var routes = stack.Host.Functions.Where(f => f.Kind == TriggerKind.Http).Select(f => (HttpTriggerBinding)f.Trigger with { Route = ((HttpTriggerBinding)f.Trigger).Route ?? f.Name }).ToArray();
        using var http = new HttpClient { BaseAddress = stack.Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var statuses = new Dictionary<int, int>();
        var dropped = 0;
        // One FsCheck case is one request, drawn from a fixed seed; a failing request shrinks to a simpler one
        // (an earlier route, fewer oddities, a shorter body).
        Check.One(Choices.Runs(Requests, 20261203), Prop.ForAll(Choices.Arbitrary(256), raw =>
        {
            var (code, failure) = Send(http, routes, new Choices(raw));
            if (code is { } c)
            {
                statuses[c] = statuses.GetValueOrDefault(c) + 1;
            }
            else
            {
                dropped++;
            }
            Assert.True(failure is null, failure);
        }));
        output.WriteLine($"{Requests} requests over {routes.Length} routes; statuses: {string.Join(", ", statuses.OrderBy(k => k.Key).Select(k => $"{k.Key}×{k.Value}"))}; dropped: {dropped}");

        var after = await SnapshotAsync(stack.Azurite.ConnectionString);
        Assert.Equal(before, after);
    }

    /// <summary>Sends one malformed request; the status (null: the connection dropped) and what is wrong with the answer, if anything.</summary>
    private static (int? Code, string? Failure) Send(HttpClient http, HttpTriggerBinding[] routes, Choices random) =>
        // FsCheck properties are synchronous; off the test's context, so blocking cannot deadlock it.
        Task.Run(() => SendAsync(http, routes, random)).GetAwaiter().GetResult();

    private static async Task<(int? Code, string? Failure)> SendAsync(HttpClient http, HttpTriggerBinding[] routes, Choices random)
    {
        var route = routes[random.Next(routes.Length)];
        using var request = Malformed(random, route);
        var shown = $"{request.Method} {request.RequestUri}";
        try
        {
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (code >= 500)
            {
                return (code, $"{shown} -> {code} {text}");
            }
            if (code >= 400 && string.IsNullOrWhiteSpace(text) && request.Method != HttpMethod.Head)
            {
                return (code, $"{shown} -> {code} without a message");
            }
            if (code < 400 && IsMutating(request.Method) && !IsQueryApi(request))
            {
                return (code, $"{shown} -> {code}: a malformed request was accepted");
            }
            return (code, null);
        }
        catch (HttpRequestException e)
        {
            return (null, $"{shown} -> connection dropped: {e.Message}");
        }
    }

    /// <summary>Prometheus' query API takes POST as a read (form-encoded parameters, as Grafana sends them), ignoring other bodies as Prometheus does.</summary>
    private static bool IsQueryApi(HttpRequestMessage r)
    {
        // The client makes the request's URI absolute when it sends it.
        var u = r.RequestUri is { IsAbsoluteUri: true } abs ? abs.AbsolutePath.TrimStart('/') : (r.RequestUri?.OriginalString ?? string.Empty).Split('?')[0];
        return (u.StartsWith("api/v1/", StringComparison.Ordinal) || u.StartsWith("api/prometheus/api/v1/", StringComparison.Ordinal))
            && new[] { "query", "query_range", "series", "labels", "format_query", "query_exemplars" }.Any(e => u.EndsWith("/" + e, StringComparison.Ordinal));
    }

    private static bool IsMutating(HttpMethod m) => m == HttpMethod.Post || m == HttpMethod.Put || m == HttpMethod.Delete || m == HttpMethod.Patch;

    /// <summary>One request that no correct server accepts: it is wrong in its body, path values, key or method.</summary>
    private static HttpRequestMessage Malformed(Choices random, HttpTriggerBinding route)
    {
        IReadOnlyList<string> methods = route.Methods is { Count: > 0 } m ? m : ["get", "post"];
        var path = "api/" + FillPath(random, route.Route ?? string.Empty);
        // A non-zero choice adds an oddity, so a shrunk request has the fewest.
        var keyed = random.Next(10) < 9;
        var query = keyed ? "?code=local-function-key" : string.Empty;
        if (random.Next(6) == 5)
        {
            query += (query.Length == 0 ? "?" : "&") + Pick(random, ["filter=%zz", "filter=a=~\"(\"", "token=v1.x.y", "filter=", "x=%00", "token=" + new string('a', 3000)]);
        }
        // A method the route does not serve, now and then.
        var method = random.Next(8) == 7
            ? Pick(random, ["PATCH", "OPTIONS", "PUT", "DELETE"])
            : methods[random.Next(methods.Count)].ToUpperInvariant();
        var request = new HttpRequestMessage(new HttpMethod(method), path + query);
        if (method is "POST" or "PUT" or "PATCH")
        {
            var (body, type) = Body(random, route.Route ?? string.Empty);
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
        if (random.Next(4) == 3)
        {
            request.Headers.TryAddWithoutValidation("X-Slack-Request-Timestamp", Pick(random, ["", "abc", "99999999999999999999", "1700000000"]));
            request.Headers.TryAddWithoutValidation("X-Slack-Signature", Pick(random, ["", "v0=", "v0=zz", "v1=abc"]));
            request.Headers.TryAddWithoutValidation("X-PagerDuty-Signature", Pick(random, ["", "v1=", "v1=abc,v1=", "garbage"]));
        }
        return request;
    }

    private static string FillPath(Choices random, string template)
    {
        var parts = template.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].StartsWith('{'))
            {
                parts[i] = parts[i].StartsWith("{*", StringComparison.Ordinal)
                    // Grouping keys the Pushgateway refuses, so even DELETE must answer 400 and change nothing.
                    ? Pick(random, ["job@base64/%%%", "job/x/__bad/1", "job/x/odd", "x/y", "job@base64/", "job", "job/a/b"])
                    // Not %00: Kestrel (here and under the Functions host) refuses a NUL in the path with an
                    // empty 400 before any route runs; other control characters reach the routes.
                    : Pick(random, ["nonexistent", "%2e%2e", "a%01b", "acknowledge", "zz-" + random.Next(), new string('x', 600), "%C3%28", "null"]);
            }
        }
        return string.Join('/', parts);
    }

    /// <summary>Bodies that are broken for any route: truncated or mistyped JSON, invalid UTF-8, text-format errors, oversized.</summary>
    private static (byte[] Body, string ContentType) Body(Choices random, string route)
    {
        string[] json =
        [
            "", "{", "[", "null", "[null]", "{\"alerts\":[null]}", "{\"version\":\"4\",\"alerts\":[null]}", "[{\"labels\":{}}]",
            "[{\"labels\":{\"a\":1}}]", "{\"matchers\":[]}", "{\"who\":5}", "{\"who\":\"\"}", "[{\"labels\":{\"alertname\":\"x\"},\"startsAt\":\"no\"}]",
            "{\"matchers\":[{\"name\":\"a\",\"value\":\"(\",\"isRegex\":true}],\"startsAt\":\"x\",\"endsAt\":\"y\",\"createdBy\":\"c\",\"comment\":\"c\"}",
            new string('[', 5000), "{\"a\":\"\\ud800\"}", "\"just a string\"", "payload=%7B", "payload={\"type\":\"block_actions\"}",
            "{\"event\":{\"event_type\":\"incident.acknowledged\",\"data\":\"x\"}}", "[{\"labels\":{\"alertname\":\"x\"},\"endsAt\":\"2020-01-01T00:00:00Z\",\"startsAt\":\"2021-01-01T00:00:00Z\"}]",
        ];
        // Syntax errors only: the Pushgateway (and we) stamp a group's failure time for a push that parses
        // but is inconsistent (timestamps, reserved labels), which is a change of state by design.
        string[] text = ["x{\n", "x 1", "x 1e999\n", "# TYPE x histogram\nx_bucket{le=\"abc\"} 1\n", "x{a=\"b\"} 1 2 3\n", "x{a=b} 1\n", "# TYPE x bogus\n"];
        var pick = random.Next(10);
        byte[] body;
        if (route.StartsWith("metrics", StringComparison.Ordinal) && pick < 6)
        {
            body = Encoding.UTF8.GetBytes(Pick(random, text));
        }
        else if (pick < 7)
        {
            body = Encoding.UTF8.GetBytes(Pick(random, json));
        }
        else if (pick < 8)
        {
            body = new byte[random.Next(1, 200)];
            random.NextBytes(body);
            body[0] = 0xff; // never valid UTF-8, so never a valid body
        }
        else if (pick < 9)
        {
            body = new byte[2 * 1024 * 1024]; // beyond Alerting:MaxRequestBytes
            Array.Fill(body, (byte)'[');
        }
        else
        {
            // A valid-looking body cut short: never parses.
            var whole = "[{\"labels\":{\"alertname\":\"Fuzz\",\"instance\":\"i\"},\"annotations\":{\"summary\":\"s\"}}]";
            body = Encoding.UTF8.GetBytes(whole[..random.Next(1, whole.Length - 1)]);
        }
        var type = Pick(random, ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/openmetrics-text; version=1.0.0", "application/vnd.google.protobuf", "garbage/type"]);
        return (body, type);
    }

    private static string Pick(Choices random, string[] options) => options[random.Next(options.Length)];

    /// <summary>Every table row (with its ETag), blob (with its ETag) and queue message text, in a stable order.</summary>
    private static async Task<string> SnapshotAsync(string connection)
    {
        var lines = new List<string>();
        var tables = new TableServiceClient(connection);
        await foreach (var t in tables.QueryAsync())
        {
            await foreach (var e in tables.GetTableClient(t.Name).QueryAsync<TableEntity>())
            {
                lines.Add($"table {t.Name} {e.PartitionKey}/{e.RowKey} {e.ETag}");
            }
        }
        var blobs = new BlobServiceClient(connection);
        await foreach (var c in blobs.GetBlobContainersAsync())
        {
            await foreach (var b in blobs.GetBlobContainerClient(c.Name).GetBlobsAsync())
            {
                lines.Add($"blob {c.Name}/{b.Name} {b.Properties.ETag}");
            }
        }
        var queues = new QueueServiceClient(connection);
        await foreach (var q in queues.GetQueuesAsync())
        {
            var props = await queues.GetQueueClient(q.Name).GetPropertiesAsync();
            lines.Add($"queue {q.Name} {props.Value.ApproximateMessagesCount}");
        }
        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }
}
