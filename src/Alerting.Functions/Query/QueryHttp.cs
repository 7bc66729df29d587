using Alerting.Core.Query;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Alerting.Functions.Query;

/// <summary>The HTTP edge of the query API: Go's <c>r.Form</c> from a request, and an answer written as is.</summary>
internal static class QueryHttp
{
    /// <summary>
    /// The form-encoded body's values then the URL's. A body that is not valid form encoding is a
    /// <c>bad_data</c> error, as Prometheus' <c>ParseForm</c> failure is.
    /// </summary>
    public static async Task<ApiForm> ReadFormAsync(HttpRequest req, CancellationToken ct)
    {
        var values = new List<KeyValuePair<string, string>>();
        if (HttpMethods.IsPost(req.Method) && req.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await req.ReadFormAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
            {
                throw new QueryApiException(ApiErrorType.BadData, $"error parsing form values: {e.Message}");
            }
            foreach (var (name, vs) in form)
            {
                values.AddRange(vs.Select(v => new KeyValuePair<string, string>(name, v ?? string.Empty)));
            }
        }
        foreach (var (name, vs) in req.Query)
        {
            values.AddRange(vs.Select(v => new KeyValuePair<string, string>(name, v ?? string.Empty)));
        }
        return new ApiForm(values);
    }

    public static IActionResult Result(ApiResponse response) => new ResponseResult(response);

    /// <summary>Prometheus' router's answer to a method a route does not serve: 405, <c>Allow</c>, a plain-text body.</summary>
    public static IActionResult MethodNotAllowed(string allow) => new MethodNotAllowedResult(allow);

    private sealed class MethodNotAllowedResult(string allow) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var http = context.HttpContext.Response;
            http.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Headers.Allow = allow + ", OPTIONS";
            http.ContentType = "text/plain; charset=utf-8";
            await http.WriteAsync("Method Not Allowed\n", context.HttpContext.RequestAborted).ConfigureAwait(false);
        }
    }

    private sealed class ResponseResult(ApiResponse response) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var http = context.HttpContext.Response;
            http.StatusCode = response.StatusCode;
            if (response.Body.Length == 0)
            {
                return;
            }
            http.ContentType = "application/json";
            http.ContentLength = response.Body.Length;
            await http.Body.WriteAsync(response.Body, context.HttpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
