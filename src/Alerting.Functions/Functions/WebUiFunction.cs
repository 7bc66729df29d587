using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.Functions.Functions;

/// <summary>
/// The operator page: one self-contained HTML document that lists open alerts and calls the alert
/// acknowledgement API with the function key it was opened with. It needs no build step and no CDN,
/// so it works wherever the function app runs.
/// </summary>
public sealed class WebUiFunction
{
    /// <summary>The placeholder in the embedded page that each response replaces with a fresh nonce.</summary>
    internal const string NoncePlaceholder = "__CSP_NONCE__";

    internal const string ResourceName = "Alerting.Functions.Web.console.html";

    internal const string ExploreResourceName = "Alerting.Functions.Web.explore.html";

    private static readonly Lazy<string> Template = new(() => LoadTemplate(ResourceName));

    private static readonly Lazy<string> ExploreTemplate = new(() => LoadTemplate(ExploreResourceName));

    [Function("WebUi")]
    public static IActionResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "ui")] HttpRequest req)
        => new HtmlPageResult(Template.Value);

    /// <summary>
    /// The explore page: one <c>query_range</c> of the Prometheus query API plotted as a line chart, for a
    /// quick look at a query without Grafana. Same key rules and security headers as the console.
    /// </summary>
    [Function("WebUiExplore")]
    public static IActionResult Explore([HttpTrigger(AuthorizationLevel.Function, "get", Route = "ui/explore")] HttpRequest req)
        => new HtmlPageResult(ExploreTemplate.Value);

    private static string LoadTemplate(string resourceName)
    {
        using var stream = typeof(WebUiFunction).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"embedded resource {resourceName} is missing from {typeof(WebUiFunction).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Writes the page with its security headers. A custom result instead of <see cref="ContentResult"/>
    /// because the headers must reach the response under both the Functions host and the local host,
    /// which execute <see cref="IActionResult"/>s but do not share a response object with the function.
    /// </summary>
    internal sealed class HtmlPageResult(string template) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            // A per-response nonce rather than a hash: the page's inline script and style are the only
            // code allowed to run, and an injected element can never guess the next nonce.
            var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
            var response = context.HttpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/html; charset=utf-8";
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
            response.Headers.XContentTypeOptions = "nosniff";
            // The function key is in the page's URL; no-referrer keeps it from leaking, and no-store
            // keeps the page (and the key in its address) out of shared caches.
            response.Headers["Referrer-Policy"] = "no-referrer";
            response.Headers.CacheControl = "no-store";
            response.Headers.XFrameOptions = "DENY";
            await response.WriteAsync(template.Replace(NoncePlaceholder, nonce, StringComparison.Ordinal), context.HttpContext.RequestAborted).ConfigureAwait(false);
        }
    }

    internal static string ContentSecurityPolicy(string nonce) =>
        $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}
