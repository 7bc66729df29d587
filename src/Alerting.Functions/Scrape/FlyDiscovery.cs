using System.Collections.Concurrent;
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
/// <see cref="FlyTargets"/>. As with the other discovery sources, a failed refresh (401, 429, 5xx,
/// timeout, an unreadable body) is logged and the last good answer is kept, so one bad minute of the API
/// neither drops every target nor blanks the machine-state series.
/// </summary>
public sealed partial class FlyDiscovery(IHttpClientFactory httpFactory, TimeProvider time, IOptions<AlertingOptions> options, ILogger<FlyDiscovery> logger)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    // Fly rate-limits the Machines API per token (a few requests a second with a small burst), so the
    // machine lists of many apps are read a few at a time rather than all at once.
    private const int Concurrency = 3;

    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);

    /// <summary>The matched apps with their machines; the last good answer when the API fails.</summary>
    public async Task<IReadOnlyList<FlyAppMachines>> AppsAsync(FlySdConfig sd, string configDirectory, bool reuseKnown, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sd);
        var baseUrl = BaseUrl(sd);
        var key = Key(sd);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && (reuseKnown || now < cached.FetchedAt + sd.RefreshInterval))
        {
            return cached.Apps;
        }
        try
        {
            var token = Token(sd, configDirectory);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(RequestTimeout);
            var http = httpFactory.CreateClient("scrape");
            var appsBody = await GetAsync(http, new Uri(baseUrl, "/v1/apps?org_slug=" + Uri.EscapeDataString(sd.Org)), token, timeout.Token).ConfigureAwait(false);
            var names = FlyApiJson.ParseApps(appsBody).Select(a => a.Name).Where(n => FlyTargets.Matches(sd.AppNamePattern, n)).Order(StringComparer.Ordinal).ToArray();
            var result = new FlyAppMachines[names.Length];
            await Parallel.ForEachAsync(Enumerable.Range(0, names.Length), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = timeout.Token }, async (i, token2) =>
            {
                var body = await GetAsync(http, new Uri(baseUrl, $"/v1/apps/{Uri.EscapeDataString(names[i])}/machines"), token, token2).ConfigureAwait(false);
                result[i] = new FlyAppMachines(names[i], FlyApiJson.ParseMachines(body).OrderBy(m => m.Id, StringComparer.Ordinal).ToArray());
            }).ConfigureAwait(false);
            _cache[key] = new Entry(now, result);
            return result;
        }
        catch (Exception e) when (e is HttpRequestException or FormatException or IOException or InvalidOperationException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            LogFailed(logger, sd.Org, baseUrl.ToString(), e.Message);
            // Retried on the next tick, not after a whole refresh interval.
            return cached?.Apps ?? [];
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
            foreach (var s in FlyTargets.Series(_cache.TryGetValue(Key(sd), out var entry) ? entry.Apps : []))
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

    private string Token(FlySdConfig sd, string configDirectory)
    {
        if (sd.Token is { } inline)
        {
            return inline;
        }
        if (sd.TokenFile is { } file)
        {
            return File.ReadAllText(Path.IsPathRooted(file) ? file : Path.Combine(configDirectory, file)).Trim();
        }
        var setting = options.Value.FlyApiToken;
        if (string.IsNullOrWhiteSpace(setting))
        {
            setting = Environment.GetEnvironmentVariable("FLY_API_TOKEN");
        }
        return string.IsNullOrWhiteSpace(setting)
            ? throw new InvalidOperationException("no Fly API token: set token or token_file in fly_sd_configs, the Alerting__FlyApiToken setting or FLY_API_TOKEN")
            : setting.Trim();
    }

    private static async Task<string> GetAsync(HttpClient http, Uri url, string token, CancellationToken ct)
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
            throw new HttpRequestException($"GET {url.AbsolutePath} returned HTTP {(int)response.StatusCode}: {FlyApiJson.ErrorMessage(body)}");
        }
        return body;
    }

    private sealed record Entry(DateTimeOffset FetchedAt, IReadOnlyList<FlyAppMachines> Apps);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fly_sd for organisation {Org} at {Url} failed (keeping the last good machines): {Reason}")]
    private static partial void LogFailed(ILogger logger, string org, string url, string reason);
}
