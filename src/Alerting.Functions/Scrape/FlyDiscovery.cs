using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Alerting.Core.Discovery.Fly;
using Alerting.Core.Model;
using Alerting.Core.Scrape.Config;
using Alerting.Functions.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Scrape;

/// <summary>
/// The I/O half of <c>fly_sd_configs</c>: lists the organisation's apps and each matching app's machines
/// from the Fly Machines API, at most once per refresh_interval, and hands the answers to Core's
/// <see cref="FlyTargets"/>. Both lists come whole in one answer (the API documents no paging for them; a
/// <c>total_apps</c> above the apps listed is reported). As Prometheus' discovery does, a failed refresh
/// keeps the last good targets: a 5xx, a timeout or an unreadable body is retried on the next tick, a 429
/// after its <c>Retry-After</c>. Each outage is logged once when it starts (a refused or missing token as
/// an error naming where the token came from and what to do) and once when it ends, not on every tick.
/// </summary>
public sealed partial class FlyDiscovery(IHttpClientFactory httpFactory, TimeProvider time, IOptions<AlertingOptions> options, ILogger<FlyDiscovery> logger)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    // A Retry-After beyond this is treated as this: one bad header must not blind discovery for hours.
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    // Fly rate-limits the Machines API per token (a few requests a second with a small burst), so the
    // machine lists of many apps are read a few at a time rather than all at once.
    private const int Concurrency = 3;

    private readonly ConcurrentDictionary<string, State> _state = new(StringComparer.Ordinal);

    /// <summary>The matched apps with their machines; the last good answer when the API fails.</summary>
    public async Task<IReadOnlyList<FlyAppMachines>> AppsAsync(FlySdConfig sd, string configDirectory, bool reuseKnown, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sd);
        var baseUrl = BaseUrl(sd);
        var key = Key(sd);
        var now = time.GetUtcNow();
        var state = _state.GetOrAdd(key, _ => new State());
        if ((state.Apps is not null && (reuseKnown || now < state.FetchedAt + sd.RefreshInterval)) || now < state.RetryNotBefore)
        {
            return state.Apps ?? [];
        }
        FlyToken? token = null;
        try
        {
            token = FlyTokenSource.Resolve(sd, configDirectory, options.Value.FlyApiToken, Environment.GetEnvironmentVariable(FlyTokenSource.EnvironmentName));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(RequestTimeout);
            var http = httpFactory.CreateClient("scrape");
            // org_slug is the only parameter the API documents for this list; it answers every app at once.
            var appsBody = await GetAsync(http, new Uri(baseUrl, "/v1/apps?org_slug=" + Uri.EscapeDataString(sd.Org)), token.Value, timeout.Token).ConfigureAwait(false);
            var list = FlyApiJson.ParseAppList(appsBody);
            if (list.TotalApps > list.Apps.Count)
            {
                LogIncompleteAppList(logger, sd.Org, list.Apps.Count, list.TotalApps);
            }
            var names = list.Apps.Select(a => a.Name).Where(n => FlyTargets.Matches(sd.AppNamePattern, n)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            var result = new FlyAppMachines[names.Length];
            await Parallel.ForEachAsync(Enumerable.Range(0, names.Length), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = timeout.Token }, async (i, token2) =>
            {
                var body = await GetAsync(http, new Uri(baseUrl, $"/v1/apps/{Uri.EscapeDataString(names[i])}/machines"), token.Value, token2).ConfigureAwait(false);
                result[i] = new FlyAppMachines(names[i], FlyApiJson.ParseMachines(body).OrderBy(m => m.Id, StringComparer.Ordinal).ToArray());
            }).ConfigureAwait(false);
            if (state.Outage is { } ended)
            {
                LogRecovered(logger, sd.Org, baseUrl.ToString(), (now - ended.Since).TotalSeconds);
            }
            state.Update(now, result);
            return result;
        }
        catch (Exception e) when (e is FlyTokenException or FlyApiException or HttpRequestException or FormatException or IOException
            || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            var failure = Classify(e, now);
            if (state.Fail(failure, now))
            {
                Log(sd, baseUrl, token?.Source, failure, e);
            }
            return state.Apps ?? [];
        }
    }

    /// <summary>The targets of one fly_sd config.</summary>
    public async Task<IReadOnlyList<TargetGroup>> GroupsAsync(FlySdConfig sd, string configDirectory, bool reuseKnown, CancellationToken ct) =>
        FlyTargets.Groups(sd, await AppsAsync(sd, configDirectory, reuseKnown, ct).ConfigureAwait(false));

    /// <summary>
    /// The machine-state series of every fly_sd config of a job, from the answers this tick's discovery
    /// already holds (no second request: a failed refresh is retried by the next tick's discovery).
    /// </summary>
    public IReadOnlyList<(Labels Labels, double Value)> Series(ScrapeConfig job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var series = new List<(Labels, double)>();
        var seen = new HashSet<Labels>();
        foreach (var sd in job.FlySdConfigs)
        {
            foreach (var s in FlyTargets.Series(_state.TryGetValue(Key(sd), out var state) ? state.Apps ?? [] : []))
            {
                if (seen.Add(s.Labels))
                {
                    series.Add(s);
                }
            }
        }
        return series;
    }

    private Uri BaseUrl(FlySdConfig sd) =>
        sd.Url ?? new Uri(string.IsNullOrWhiteSpace(options.Value.FlyApiUrl) ? FlySdConfig.DefaultApiUrl : options.Value.FlyApiUrl);

    private string Key(FlySdConfig sd) => $"{BaseUrl(sd)}|{sd.Org}|{sd.AppNamePattern}";

    private static Failure Classify(Exception e, DateTimeOffset now) => e switch
    {
        FlyTokenException => new Failure(FailureKind.NoToken, null),
        FlyApiException { Status: HttpStatusCode.Unauthorized } => new Failure(FailureKind.Unauthorized, null),
        FlyApiException { Status: HttpStatusCode.TooManyRequests } api =>
            new Failure(FailureKind.RateLimited, now + (api.RetryAfter is { } r ? (r > MaxRetryAfter ? MaxRetryAfter : r) : TimeSpan.Zero)),
        _ => new Failure(FailureKind.Unavailable, null),
    };

    private void Log(FlySdConfig sd, Uri baseUrl, FlyTokenSource? source, Failure failure, Exception e)
    {
        switch (failure.Kind)
        {
            case FailureKind.NoToken:
                LogNoToken(logger, e.Message);
                break;
            case FailureKind.Unauthorized:
                var from = source ?? new FlyTokenSource(FlyTokenOrigin.Setting);
                LogUnauthorized(logger, sd.Org, baseUrl.ToString(), from.Describe(), from.Remedy(sd.Org));
                break;
            case FailureKind.RateLimited:
                LogRateLimited(logger, sd.Org, baseUrl.ToString(), failure.RetryNotBefore!.Value);
                break;
            default:
                LogFailed(logger, sd.Org, baseUrl.ToString(), e.Message);
                break;
        }
    }

    private async Task<string> GetAsync(HttpClient http, Uri url, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        // Fly's newer macaroon tokens ("FlyV1 fm2_...") carry their own scheme; older ones are bearer tokens.
        if (token.StartsWith("FlyV1 ", StringComparison.Ordinal))
        {
            request.Headers.TryAddWithoutValidation("Authorization", token);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - time.GetUtcNow(),
                _ => (TimeSpan?)null,
            };
            throw new FlyApiException(response.StatusCode, retryAfter,
                $"GET {url.AbsolutePath} returned HTTP {(int)response.StatusCode}: {FlyApiJson.ErrorMessage(body)}");
        }
        return body;
    }

    private enum FailureKind
    {
        NoToken,
        Unauthorized,
        RateLimited,
        Unavailable,
    }

    private sealed record Failure(FailureKind Kind, DateTimeOffset? RetryNotBefore);

    private sealed record Outage(FailureKind Kind, DateTimeOffset Since);

    /// <summary>One fly_sd config's last good answer and the outage it is in, if any.</summary>
    private sealed class State
    {
        private readonly Lock _gate = new();

        public DateTimeOffset FetchedAt { get; private set; }

        public IReadOnlyList<FlyAppMachines>? Apps { get; private set; }

        public DateTimeOffset RetryNotBefore { get; private set; }

        public Outage? Outage { get; private set; }

        public void Update(DateTimeOffset now, IReadOnlyList<FlyAppMachines> apps)
        {
            lock (_gate)
            {
                (FetchedAt, Apps, RetryNotBefore, Outage) = (now, apps, DateTimeOffset.MinValue, null);
            }
        }

        /// <summary>Records a failed refresh; true when it starts an outage (or changes its kind), the one time to log it.</summary>
        public bool Fail(Failure failure, DateTimeOffset now)
        {
            lock (_gate)
            {
                RetryNotBefore = failure.RetryNotBefore ?? DateTimeOffset.MinValue;
                if (Outage?.Kind == failure.Kind)
                {
                    return false;
                }
                Outage = new Outage(failure.Kind, Outage?.Since ?? now);
                return true;
            }
        }
    }

    /// <summary>A non-2xx answer of the Machines API.</summary>
    private sealed class FlyApiException(HttpStatusCode status, TimeSpan? retryAfter, string message) : Exception(message)
    {
        public HttpStatusCode Status { get; } = status;

        public TimeSpan? RetryAfter { get; } = retryAfter;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "fly_sd for organisation {Org} at {Url} failed (keeping the last good machines, retrying every tick): {Reason}")]
    private static partial void LogFailed(ILogger logger, string org, string url, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "fly_sd for organisation {Org} at {Url}: the Fly API refused the token from {Source} (HTTP 401: missing, expired or revoked). Keeping the last good machines until it is replaced: {Remedy}")]
    private static partial void LogUnauthorized(ILogger logger, string org, string url, string source, string remedy);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Problem}. Keeping the last good machines until it is fixed")]
    private static partial void LogNoToken(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fly_sd for organisation {Org} at {Url} is rate limited (HTTP 429); keeping the last good machines, next try after {RetryAt:O}")]
    private static partial void LogRateLimited(ILogger logger, string org, string url, DateTimeOffset retryAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "fly_sd for organisation {Org} at {Url} answers again after {Seconds:F0} s")]
    private static partial void LogRecovered(ILogger logger, string org, string url, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fly_sd for organisation {Org}: the Fly API listed {Listed} apps but says the organisation has {Total}; apps beyond the list are not discovered")]
    private static partial void LogIncompleteAppList(ILogger logger, string org, int listed, int total);
}
