using Alerting.Core.Exposition;
using Alerting.Core.Push;
using Alerting.Functions.Options;
using Alerting.Functions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Functions;

/// <summary>
/// A Pushgateway-compatible API, so batch jobs and scripts written for Prometheus' Pushgateway
/// (<c>curl --data-binary @- .../metrics/job/&lt;job&gt;/instance/&lt;x&gt;</c>) push here unchanged, with
/// <c>/api</c> in front and a function key. Answers (status codes and messages) are the Pushgateway's;
/// the groups are read into every scrape tick as a job with honor_labels semantics.
/// </summary>
public sealed class PushFunctions(PushGroupStore store, IOptions<AlertingOptions> options)
{
    [Function("PushMetrics")]
    public async Task<IActionResult> Push(
        [HttpTrigger(AuthorizationLevel.Function, "put", "post", "delete", Route = "metrics/{*path}")] HttpRequest req,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(req);
        PushGroupingKey key;
        try
        {
            key = PushGroupingKey.Parse(RawPushPath(req));
        }
        catch (PushException e)
        {
            return Text(e.StatusCode, e.Message);
        }

        if (HttpMethods.IsDelete(req.Method))
        {
            await store.UpdateAsync(s => s.Delete(key), ct).ConfigureAwait(false);
            return new StatusCodeResult(StatusCodes.Status202Accepted);
        }

        var body = await RequestBody.ReadLimitedAsync(req, options.Value.MaxRequestBytes, ct).ConfigureAwait(false);
        if (body is null)
        {
            return Text(StatusCodes.Status413PayloadTooLarge, $"request body exceeds {options.Value.MaxRequestBytes} bytes");
        }
        if (body.Length > 0 && body[^1] != (byte)'\n' && !ProtobufExposition.IsProtobuf(req.ContentType))
        {
            // The Pushgateway's text parser needs the final newline ("curl --data-binary 'x 1'" is refused),
            // and a push accepted here must be one the Pushgateway would accept.
            var line = body.Count(b => b == (byte)'\n') + 1;
            return Text(StatusCodes.Status400BadRequest, $"text format parsing error in line {line}: unexpected end of input stream");
        }
        ScrapeResult parsed;
        try
        {
            // A body that does not parse is rejected before the store is touched, as by the Pushgateway.
            parsed = PushStore.ParseBody(body, req.ContentType);
        }
        catch (PushException e)
        {
            return Text(e.StatusCode, e.Message);
        }
        try
        {
            var replace = HttpMethods.IsPut(req.Method);
            await store.UpdateAsync(s => replace ? s.Put(key, parsed) : s.Post(key, parsed), ct).ConfigureAwait(false);
        }
        catch (PushException e)
        {
            return Text(e.StatusCode, e.Message);
        }
        return new OkResult();
    }

    /// <summary>The Pushgateway's <c>/metrics</c> page for pushed groups only (no process metrics of its own).</summary>
    [Function("PushedMetrics")]
    public async Task<IActionResult> Exposition(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "metrics")] HttpRequest req,
        CancellationToken ct)
    {
        var groups = await store.ReadAsync(ct).ConfigureAwait(false);
        var text = new PushStore(TimeProvider.System, groups).ToExposition();
        return new ContentResult { Content = text, ContentType = "text/plain; version=0.0.4; charset=utf-8", StatusCode = 200 };
    }

    /// <summary>
    /// The path from <c>/metrics</c> on, as the Pushgateway's grouping-key parser sees it: taken from the
    /// raw request target, because routing has already decoded some escapes and not others.
    /// </summary>
    internal static string RawPushPath(HttpRequest req)
    {
        var raw = req.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || !raw.Contains("/metrics", StringComparison.Ordinal))
        {
            raw = req.PathBase.ToUriComponent() + req.Path.ToUriComponent();
        }
        var at = raw.IndexOf("/metrics/", StringComparison.Ordinal);
        var path = at >= 0 ? raw[at..] : raw;
        // The Pushgateway splits the already decoded path, so an encoded '/' separates components there
        // (checked against 1.5.1); every other escape is decoded per component by the parser.
        return path.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
    }

    private static ContentResult Text(int status, string message) =>
        new() { Content = message + "\n", ContentType = "text/plain; charset=utf-8", StatusCode = status };
}
