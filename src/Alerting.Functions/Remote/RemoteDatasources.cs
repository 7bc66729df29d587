using Alerting.Core.Config;
using Alerting.Core.PromQL;
using Alerting.Core.Remote;
using Alerting.Core.Rules;
using Alerting.Functions.Notify.Http;
using Alerting.Functions.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Remote;

/// <summary>
/// The configured datasources and one querier per datasource, reloaded when the datasources file
/// changes. A file that does not load keeps the last good one; with none, the groups it would cover
/// cannot be told apart, so every group reports the load error as its rules' <c>err</c> health rather
/// than silently evaluating over the embedded store.
/// </summary>
public sealed partial class RemoteDatasources(IOptions<RemoteOptions> options, TimeProvider time, ILogger<RemoteDatasources> logger) : IDisposable
{
    private readonly object _gate = new();
    private string? _stamp;
    private Loaded _loaded = new(DatasourcesConfig.None, new Dictionary<string, RemoteQuerier>(StringComparer.Ordinal), null, []);

    private sealed record Loaded(DatasourcesConfig Config, IReadOnlyDictionary<string, RemoteQuerier> Queriers, string? Error, IReadOnlyList<IDisposable> Owned);

    /// <summary>The querier for <paramref name="group"/>, or null when it evaluates over the embedded store.</summary>
    public IRuleQuerier? For(RuleGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var loaded = Current();
        if (loaded.Error is { } error)
        {
            return new FailingQuerier(error);
        }
        return loaded.Config.For(group) is { } ds ? loaded.Queriers[ds.Name] : null;
    }

    private Loaded Current()
    {
        var path = options.Value.DatasourcesPath;
        if (string.IsNullOrWhiteSpace(path))
        {
            return _loaded;
        }
        var full = Pipeline.ConfigProvider.ResolvePath(path);
        var info = new FileInfo(full);
        var stamp = info.Exists ? $"{info.LastWriteTimeUtc.Ticks}:{info.Length}" : "missing";
        lock (_gate)
        {
            if (stamp == _stamp)
            {
                return _loaded;
            }
            _stamp = stamp;
            try
            {
                var config = info.Exists ? DatasourcesConfigLoader.LoadFile(full) : throw new ConfigException($"datasources file {full} does not exist");
                var owned = new List<IDisposable>();
                var queriers = new Dictionary<string, RemoteQuerier>(StringComparer.Ordinal);
                foreach (var ds in config.Datasources)
                {
                    var (querier, clients) = Create(ds, time);
                    queriers[ds.Name] = querier;
                    owned.Add(clients);
                }
                var previous = _loaded;
                _loaded = new Loaded(config, queriers, null, owned);
                foreach (var d in previous.Owned)
                {
                    d.Dispose();
                }
                LogLoaded(logger, full, config.Datasources.Count);
            }
            catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
            {
                LogLoadFailed(logger, full, e.Message);
                if (_loaded.Config.Datasources.Count == 0)
                {
                    _loaded = _loaded with { Error = $"datasources file does not load: {e.Message}" };
                }
            }
            return _loaded;
        }
    }

    /// <summary>
    /// A querier for <paramref name="ds"/>: its <c>http_config</c> (TLS, basic auth, bearer, OAuth2) through the
    /// one HTTP client factory the app has, with the datasource's timeout and retries as the resilience pipeline.
    /// </summary>
    public static (RemoteQuerier Querier, IDisposable Clients) Create(DatasourceConfig ds, TimeProvider time, ILogger<NotifyHttpClients>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(ds);
        var clients = new NotifyHttpClients(
            Microsoft.Extensions.Options.Options.Create(new DeliveryOptions { MaxAttempts = ds.Retries + 1, AttemptTimeout = ds.Timeout, UserAgent = "Alerting.Functions" }),
            logger ?? NullLogger<NotifyHttpClients>.Instance);
        var entra = ds.AzureAd is { } ad ? EntraTokenSource.For(ad) : null;
        return (new RemoteQuerier(ds, clients.For(ds.HttpConfig), entra, time), clients);
    }

    public void Dispose()
    {
        foreach (var d in _loaded.Owned)
        {
            d.Dispose();
        }
    }

    private sealed class FailingQuerier(string error) : IRuleQuerier
    {
        public QueryValue Instant(string query, Expr? parsed, long timeMs, CancellationToken ct) => throw new RuleEvaluationException(error);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} datasources from {File}")]
    private static partial void LogLoaded(ILogger logger, string file, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Datasources file {File} does not load (the last good one stays in force): {Error}")]
    private static partial void LogLoadFailed(ILogger logger, string file, string error);
}
