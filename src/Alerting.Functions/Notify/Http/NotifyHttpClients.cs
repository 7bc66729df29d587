using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Alerting.Core.Config;
using Alerting.Functions.Options;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Alerting.Functions.Notify.Http;

/// <summary>
/// The one place notification HTTP clients come from. A client is built from a receiver's
/// <c>http_config</c> (TLS with client certificates and private CAs, <c>proxy_url</c> with <c>proxy_connect_header</c>, redirects,
/// <c>enable_http2</c>, <c>basic_auth</c>, <c>authorization</c>, OAuth2 client credentials) and runs every request through
/// one resilience pipeline (Microsoft.Extensions.Http.Resilience): transient failures (connection errors,
/// 408, 429, 5xx, an attempt that hangs past <see cref="DeliveryOptions.AttemptTimeout"/>) are retried
/// with exponential backoff and jitter, honouring the receiver's <c>Retry-After</c>. A Retry-After
/// longer than <see cref="DeliveryOptions.MaxRetryAfter"/> is not waited for in process: the answer goes
/// back to the notifier, the flush fails and the queue redelivers it later, so a flush never holds its
/// claim for long. Clients are cached per configuration and reused across flushes.
/// </summary>
public sealed partial class NotifyHttpClients(IOptions<DeliveryOptions> options, ILogger<NotifyHttpClients> logger, TimeProvider? time = null) : IDisposable
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private static readonly JsonSerializerOptions KeyJson = new() { WriteIndented = false };

    private readonly ConcurrentDictionary<string, Lazy<HttpClient>> _clients = new(StringComparer.Ordinal);

    /// <summary>The client for <paramref name="config"/>; <paramref name="timeout"/> replaces the attempt timeout.</summary>
    public HttpClient For(HttpClientConfig config, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var key = JsonSerializer.Serialize(config, KeyJson) + "|" + timeout?.Ticks;
        return _clients.GetOrAdd(key, _ => new Lazy<HttpClient>(() => Create(config, timeout))).Value;
    }

    private HttpClient Create(HttpClientConfig config, TimeSpan? timeout)
    {
        var o = options.Value;
        HttpMessageHandler inner = HttpClientConfigs.HttpVersion(config, HttpClientConfigs.Handler(config));
        if (config.OAuth2 is { } oauth2)
        {
            inner = new OAuth2Handler(oauth2, HttpClientConfigs.Handler(new HttpClientConfig { TlsConfig = oauth2.TlsConfig, Proxy = oauth2.Proxy }), o.UserAgent, _time) { InnerHandler = inner };
        }
        else
        {
            inner = new AuthorizationHandler(config) { InnerHandler = inner };
        }
        var handler = new ResilienceHandler(Pipeline(o, timeout ?? o.AttemptTimeout)) { InnerHandler = inner };
        // Attempts are bounded by the pipeline's timeout; the client's own must not cut the retries short.
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(o.UserAgent);
        return client;
    }

    private ResiliencePipeline<HttpResponseMessage> Pipeline(DeliveryOptions o, TimeSpan attemptTimeout)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (o.MaxAttempts > 1)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = o.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.BaseDelay,
                MaxDelay = o.MaxDelay,
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, o.MaxRetryAfter)),
                OnRetry = args =>
                {
                    LogRetrying(logger, args.AttemptNumber + 1, o.MaxAttempts, args.RetryDelay.TotalMilliseconds,
                        args.Outcome.Result is { } r ? $"{(int)r.StatusCode} {r.ReasonPhrase}" : args.Outcome.Exception?.Message ?? "unknown");
                    return ValueTask.CompletedTask;
                },
            });
        }
        builder.AddTimeout(attemptTimeout);
        return builder.Build();
    }

    /// <summary>
    /// Transient as Microsoft.Extensions.Http.Resilience defines it, except an answer asking to come back
    /// later than we wait in process, and a server certificate we refused (the same handshake would be
    /// refused again at once): those go to the notifier and fail the flush, whose redelivery retries later.
    /// </summary>
    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeSpan maxRetryAfter)
    {
        if (!HttpClientResiliencePredicates.IsTransient(outcome) || NotifyRequests.CertificateFailure(outcome.Exception) is not null)
        {
            return false;
        }
        return outcome.Result?.Headers.RetryAfter is not { } retryAfter || RetryAfter(retryAfter) <= maxRetryAfter;
    }

    private static TimeSpan RetryAfter(RetryConditionHeaderValue header) =>
        header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : TimeSpan.Zero);

    public void Dispose()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }
        _clients.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification request failed transiently (attempt {Attempt} of {MaxAttempts}), retrying in {DelayMs} ms: {Error}")]
    private static partial void LogRetrying(ILogger logger, int attempt, int maxAttempts, double delayMs, string error);
}

/// <summary>Adds <c>basic_auth</c> or <c>authorization</c> to every request; secret files are read per request, so a rotated secret is picked up.</summary>
internal sealed class AuthorizationHandler(HttpClientConfig config) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A notifier that authenticates itself (a bot token, an API key header) keeps its own header.
        if (request.Headers.Authorization is null && HttpClientConfigs.AuthorizationHeader(config) is { } header)
        {
            request.Headers.Authorization = header;
        }
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Classifies a receiver's answer the one way every notifier uses.</summary>
public static class DeliveryResponses
{
    /// <summary>
    /// 2xx is delivered. 408, 429 and 5xx are transient: the in-process retries already ran, so the flush
    /// fails and is redelivered. Anything else is permanent: the same request cannot succeed.
    /// </summary>
    /// <param name="what">The integration kind, for the message.</param>
    /// <param name="describe">Turns the body into the receiver's error text (defaults to the body, truncated).</param>
    public static async Task EnsureDeliveredAsync(HttpResponseMessage response, string what, CancellationToken ct, Func<string, string>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var detail = $"{what}: unexpected status {(int)response.StatusCode} {response.ReasonPhrase}: {(describe ?? Truncate)(body)}";
        if (IsTransient(response.StatusCode))
        {
            var h = response.Headers.RetryAfter;
            var retryAfter = h?.Delta is { } delta ? $", retry after {delta.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}s"
                : h?.Date is { } date ? $", retry after {date.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}" : string.Empty;
            throw new TransientNotificationException(detail + retryAfter, response.StatusCode, h);
        }
        throw new PermanentNotificationException(detail);
    }

    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)status >= 500;

    public static string Truncate(string s) => s.Length <= 512 ? s : s[..512] + "…";
}

/// <summary>The request every HTTP receiver sends: a body to a URL, answered as <see cref="DeliveryResponses"/> classifies it.</summary>
public static class NotifyRequests
{
    public static readonly System.Text.Json.JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>POSTs <paramref name="json"/> (as Go's json.Encoder writes it: one line) and throws unless it was delivered.</summary>
    public static async Task PostJsonAsync(HttpClient client, string url, string json, string what, CancellationToken ct, Action<HttpRequestMessage>? configure = null, Func<string, string>? describe = null)
    {
        using var response = await SendAsync(client, HttpMethod.Post, url, Content(json), ct, configure).ConfigureAwait(false);
        await DeliveryResponses.EnsureDeliveredAsync(response, what, ct, describe).ConfigureAwait(false);
    }

    /// <summary>Sends one request through the client's resilience pipeline; the caller classifies and disposes the answer.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, HttpContent? content, CancellationToken ct, Action<HttpRequestMessage>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new PermanentNotificationException($"invalid URL {Redact(url)}: must be an absolute http or https URL");
        }
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        configure?.Invoke(request);
        try
        {
            return await client.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e is not TransientNotificationException)
        {
            // Alertmanager's notify.RedactURL: webhook URLs carry their secret in the path. A refused server
            // certificate says why in Go's words; another TLS failure says what the handshake met.
            var why = CertificateFailure(e)?.Message
                ?? (e.HttpRequestError == HttpRequestError.SecureConnectionError && e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message);
            throw new TransientNotificationException($"{method} {Redact(url)}: {why}", e.StatusCode);
        }
        catch (Polly.Timeout.TimeoutRejectedException e)
        {
            throw new TransientNotificationException($"{method} {Redact(url)}: no answer within {e.Timeout.TotalSeconds} s");
        }
    }

    /// <summary>The refused server certificate behind <paramref name="e"/>, if that is why the request failed.</summary>
    internal static CertificateVerificationException? CertificateFailure(Exception? e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is CertificateVerificationException refused)
            {
                return refused;
            }
        }
        return null;
    }

    public static HttpContent Content(string json, string mediaType = "application/json")
    {
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }

    /// <summary>A URL as it may appear in logs: scheme and host only.</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) ? $"{u.Scheme}://{u.Authority}/<redacted>" : "<redacted>";
}
