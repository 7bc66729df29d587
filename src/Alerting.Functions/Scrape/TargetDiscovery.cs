using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Alerting.Core.Scrape.Config;
using Alerting.Functions.Options;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Scrape;

/// <summary>
/// The I/O half of service discovery: reads file_sd files, GETs http_sd URLs and resolves dns_sd names,
/// then hands the bodies/answers to Core's parsers. Like Prometheus, a source that fails keeps its last
/// good target groups (a flapping discovery endpoint must not make every target vanish), and each source
/// is refreshed on its own refresh_interval; file_sd files are re-read as soon as they change. fly_sd is
/// <see cref="FlyDiscovery"/>.
/// </summary>
public sealed partial class TargetDiscovery(IHttpClientFactory httpFactory, FlyDiscovery fly, TimeProvider time, IOptions<AlertingOptions> options, ILogger<TargetDiscovery> logger)
{
    private static readonly TimeSpan HttpSdTimeout = TimeSpan.FromSeconds(10);

    // One client for the app's lifetime: it holds the server list and its own UDP/TCP handling. Its
    // answer cache is off because refresh_interval already decides how long an answer is reused.
    private readonly Lazy<(LookupClient Client, bool Configured)> _dns = new(() => CreateDnsClient(options.Value.DnsServer));

    private readonly ConcurrentDictionary<string, FileEntry> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimedEntry> _remote = new(StringComparer.Ordinal);

    /// <summary>Static plus discovered target groups of one job, in a stable order.</summary>
    public Task<IReadOnlyList<TargetGroup>> GroupsAsync(ScrapeConfig job, string configDirectory, CancellationToken ct) =>
        GroupsAsync(job, configDirectory, reuseKnown: false, ct);

    /// <summary>
    /// The same; with <paramref name="reuseKnown"/> a remote source this instance has answers for is not
    /// refreshed whatever their age (a scrape shard reuses what its instance's discovery knows: the planning
    /// timer refreshes on refresh_interval, so a shard adds no discovery requests and no second retry).
    /// </summary>
    public async Task<IReadOnlyList<TargetGroup>> GroupsAsync(ScrapeConfig job, string configDirectory, bool reuseKnown, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        var groups = new List<TargetGroup>(job.StaticConfigs);
        foreach (var sd in job.FileSdConfigs)
        {
            groups.AddRange(FileGroups(sd, configDirectory));
        }
        foreach (var sd in job.HttpSdConfigs)
        {
            groups.AddRange(await HttpGroupsAsync(sd, reuseKnown, ct).ConfigureAwait(false));
        }
        foreach (var dns in await Task.WhenAll(job.DnsSdConfigs.Select(sd => DnsGroupsAsync(sd, reuseKnown, ct))).ConfigureAwait(false))
        {
            groups.AddRange(dns);
        }
        foreach (var sd in job.FlySdConfigs)
        {
            groups.AddRange(await fly.GroupsAsync(sd, configDirectory, reuseKnown, ct).ConfigureAwait(false));
        }
        return groups;
    }

    private IEnumerable<TargetGroup> FileGroups(FileSdConfig sd, string configDirectory)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pattern in sd.Files)
        {
            var dir = FileSdPatterns.Directory(pattern, configDirectory);
            if (!Directory.Exists(dir))
            {
                continue;
            }
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                if (FileSdPatterns.MatchesFileName(pattern, Path.GetFileName(file)))
                {
                    paths.Add(file);
                }
            }
        }
        var result = new List<TargetGroup>();
        foreach (var path in paths)
        {
            // Change detection by write time and length: cheap enough for every tick, so an edit is
            // picked up by the next scrape instead of after refresh_interval.
            var info = new FileInfo(path);
            var stamp = $"{info.LastWriteTimeUtc.Ticks}:{info.Length}";
            if (!_files.TryGetValue(path, out var entry) || entry.Stamp != stamp)
            {
                try
                {
                    var groups = TargetGroupParser.ParseFile(File.ReadAllText(path), path);
                    entry = new FileEntry(stamp, groups);
                    _files[path] = entry;
                }
                catch (Exception e) when (e is Core.Config.ConfigException or IOException)
                {
                    LogDiscoveryFailed(logger, path, e.Message);
                    if (entry is null)
                    {
                        continue;
                    }
                }
            }
            result.AddRange(entry.Groups);
        }
        return result;
    }

    private async Task<IReadOnlyList<TargetGroup>> HttpGroupsAsync(HttpSdConfig sd, bool reuseKnown, CancellationToken ct)
    {
        var key = "http:" + sd.Url;
        var now = time.GetUtcNow();
        if (_remote.TryGetValue(key, out var cached) && (reuseKnown || now < cached.FetchedAt + sd.RefreshInterval))
        {
            return cached.Groups;
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // Bounded well below a scrape interval: the tick waits for discovery before it scrapes.
            timeout.CancelAfter(sd.RefreshInterval < HttpSdTimeout ? sd.RefreshInterval : HttpSdTimeout);
            using var response = await httpFactory.CreateClient("scrape").GetAsync(sd.Url, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"server returned HTTP status {(int)response.StatusCode}");
            }
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            var groups = TargetGroupParser.ParseHttp(body, sd.Url, response.Content.Headers.ContentType?.ToString());
            _remote[key] = new TimedEntry(now, groups);
            return groups;
        }
        catch (Exception e) when (e is HttpRequestException or Core.Config.ConfigException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            LogDiscoveryFailed(logger, sd.Url.ToString(), e.Message);
            // Retry on the next tick rather than after a whole refresh interval, keeping the last good answer meanwhile.
            return cached?.Groups ?? [];
        }
    }

    private async Task<IReadOnlyList<TargetGroup>> DnsGroupsAsync(DnsSdConfig sd, bool reuseKnown, CancellationToken ct)
    {
        // Names (and a job's dns_sd configs) are resolved concurrently, as Prometheus does: with a dead server
        // each costs a whole timeout, and the tick waits for discovery. Results keep the configured order.
        var perName = await Task.WhenAll(sd.Names.Select(name => NameGroupsAsync(sd, name, reuseKnown, ct))).ConfigureAwait(false);
        return perName.SelectMany(g => g).ToArray();
    }

    private async Task<IReadOnlyList<TargetGroup>> NameGroupsAsync(DnsSdConfig sd, string name, bool reuseKnown, CancellationToken ct)
    {
        var key = $"dns:{sd.Type}:{name}:{sd.Port}";
        var now = time.GetUtcNow();
        if (_remote.TryGetValue(key, out var cached) && (reuseKnown || now < cached.FetchedAt + sd.RefreshInterval))
        {
            return cached.Groups;
        }
        try
        {
            var groups = await LookupAsync(sd, name, ct).ConfigureAwait(false);
            _remote[key] = new TimedEntry(now, groups);
            return groups;
        }
        catch (Exception e) when (e is SocketException or DnsResponseException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            LogDiscoveryFailed(logger, name, e.Message);
            return cached?.Groups ?? [];
        }
    }

    private async Task<IReadOnlyList<TargetGroup>> LookupAsync(DnsSdConfig sd, string name, CancellationToken ct)
    {
        var (client, configured) = _dns.Value;
        if (sd.Type != DnsRecordType.SRV && !configured)
        {
            // Without a configured server, A/AAAA go through the OS resolver like any other name lookup in
            // the app, so /etc/hosts and the platform's resolver settings apply (e.g. "localhost").
            var family = sd.Type == DnsRecordType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
            var addresses = await Dns.GetHostAddressesAsync(name, family, ct).ConfigureAwait(false);
            return [DnsSdTargets.FromAddresses(name, addresses.Order(AddressComparer.Instance), sd.Port)];
        }
        var queryType = sd.Type switch
        {
            DnsRecordType.SRV => QueryType.SRV,
            DnsRecordType.A => QueryType.A,
            _ => QueryType.AAAA,
        };
        var response = await client.QueryAsync(name, queryType, QueryClass.IN, ct).ConfigureAwait(false);
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            // NXDOMAIN is an authoritative "no such name", not an outage: like Prometheus the name then has no
            // targets (its old ones go away), but say so, because it is usually a typo in the config.
            LogNameNotFound(logger, name, queryType.ToString());
            return [];
        }
        if (response.HasError)
        {
            throw new DnsResponseException($"{response.Header.ResponseCode}: {response.ErrorMessage}");
        }
        if (sd.Type == DnsRecordType.SRV)
        {
            var records = response.Answers.SrvRecords()
                .Select(r => new Core.Scrape.Config.SrvRecord(r.Target.Value, r.Port))
                .OrderBy(r => r.Target, StringComparer.Ordinal).ThenBy(r => r.Port)
                .ToArray();
            return DnsSdTargets.FromSrv(name, records);
        }
        IEnumerable<IPAddress> found = sd.Type == DnsRecordType.A
            ? response.Answers.ARecords().Select(r => r.Address)
            : response.Answers.AaaaRecords().Select(r => r.Address);
        return [DnsSdTargets.FromAddresses(name, found.Order(AddressComparer.Instance), sd.Port)];
    }

    private static (LookupClient, bool) CreateDnsClient(string? servers)
    {
        // DnsClient's defaults (5 s, two retries) could hold the tick for 15 s per name; the tick waits for
        // discovery before it scrapes, so a dead server costs at most 2 s × 2 tries, within http_sd's 10 s bound.
        static LookupClientOptions Bounded(LookupClientOptions o)
        {
            o.UseCache = false;
            o.ThrowDnsErrors = false;
            o.Timeout = TimeSpan.FromSeconds(2);
            o.Retries = 1;
            return o;
        }
        if (string.IsNullOrWhiteSpace(servers))
        {
            return (new LookupClient(Bounded(new LookupClientOptions())), false);
        }
        var endpoints = servers.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => IPEndPoint.TryParse(s, out var ep)
                ? new IPEndPoint(ep.Address, ep.Port == 0 ? NameServer.DefaultPort : ep.Port)
                : throw new InvalidOperationException($"Alerting:DnsServer '{s}' is not an ip[:port]"))
            .ToArray();
        return (new LookupClient(Bounded(new LookupClientOptions(endpoints))), true);
    }

    private sealed record FileEntry(string Stamp, IReadOnlyList<TargetGroup> Groups);

    private sealed record TimedEntry(DateTimeOffset FetchedAt, IReadOnlyList<TargetGroup> Groups);

    private sealed class AddressComparer : IComparer<IPAddress>
    {
        public static readonly AddressComparer Instance = new();

        public int Compare(IPAddress? x, IPAddress? y) => string.CompareOrdinal(x?.ToString(), y?.ToString());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service discovery from {Source} failed (keeping the last good targets): {Reason}")]
    private static partial void LogDiscoveryFailed(ILogger logger, string source, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dns_sd name {Name} does not exist (NXDOMAIN for {QueryType}); it has no targets")]
    private static partial void LogNameNotFound(ILogger logger, string name, string queryType);
}
