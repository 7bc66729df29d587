using System.Diagnostics.Metrics;
using Alerting.Core.Alertmanager;
using Alerting.Core.Config;
using Alerting.Core.Escalation;
using Alerting.Core.OnCall;
using Alerting.Core.Rules;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Templating;
using Alerting.Functions.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Pipeline;

/// <summary>
/// The one source of configuration for the app: an immutable, versioned <see cref="ConfigSnapshot"/> of
/// every file it reads (scrape config, rule files, alertmanager.yml with its templates, escalation and
/// on-call), loaded by Core's <see cref="ConfigLoader"/> as <c>alerting check</c> loads them. Reads are a
/// field read; at most once per <see cref="AlertingOptions.ConfigCheckInterval"/> one caller compares the
/// files' stamps and, if any changed (templates included), loads a new snapshot while the others keep
/// using the current one. A part that fails to reload keeps its last good version and is logged.
/// </summary>
public sealed partial class ConfigProvider : IDisposable
{
    /// <summary>The meter whose <c>alerting_config_version</c> gauge says which snapshot is in force.</summary>
    public const string MeterName = "Alerting.Config";

    private readonly IOptions<AlertingOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ConfigProvider> _logger;
    private readonly Lock _reload = new();
    private readonly Meter _meter;
    private volatile ConfigSnapshot _current = ConfigSnapshot.Empty;
    private long _nextCheckTicks = long.MinValue;

    public ConfigProvider(IOptions<AlertingOptions> options, ILogger<ConfigProvider> logger, TimeProvider? time = null, IMeterFactory? meters = null)
    {
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableGauge("alerting_config_version", () => _current.Version, description: "Version of the configuration snapshot in force");
        _meter.CreateObservableGauge("alerting_config_last_reload_successful", () => _current.Problems.Any() ? 0 : 1, description: "1 when every configured file loaded at the last reload");
    }

    /// <summary>The snapshot in force, reloaded first when a file changed since the last check.</summary>
    public ConfigSnapshot Current
    {
        get
        {
            var now = _time.GetUtcNow().UtcTicks;
            if (now >= Interlocked.Read(ref _nextCheckTicks) && _reload.TryEnter())
            {
                try
                {
                    Interlocked.Exchange(ref _nextCheckTicks, now + _options.Value.ConfigCheckInterval.Ticks);
                    ReloadIfChanged();
                }
                finally
                {
                    _reload.Exit();
                }
            }
            else if (_current.Version == 0)
            {
                // Someone else is loading the very first snapshot: wait for it rather than see nothing.
                lock (_reload)
                {
                }
            }
            return _current;
        }
    }

    public ConfigPaths Paths()
    {
        var o = _options.Value;
        return new ConfigPaths(
            string.IsNullOrWhiteSpace(o.ScrapeConfigPath) ? null : ResolvePath(o.ScrapeConfigPath),
            o.RuleFiles.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ResolvePath).ToArray(),
            string.IsNullOrWhiteSpace(o.AlertmanagerConfigPath) ? null : ResolvePath(o.AlertmanagerConfigPath),
            string.IsNullOrWhiteSpace(o.DefaultTemplatesPath) ? null : ResolvePath(o.DefaultTemplatesPath),
            string.IsNullOrWhiteSpace(o.EscalationPolicyPath) ? null : ResolvePath(o.EscalationPolicyPath),
            string.IsNullOrWhiteSpace(o.OnCallPath) ? null : ResolvePath(o.OnCallPath));
    }

    private void ReloadIfChanged()
    {
        var paths = Paths();
        var current = _current;
        if (current.Version > 0 && ConfigLoader.Stamp(paths, current) == current.Stamp)
        {
            return;
        }
        var next = ConfigLoader.Load(paths, current, _time.GetUtcNow());
        foreach (var problem in next.Problems)
        {
            LogPartFailed(_logger, next.Version, problem.ToString());
        }
        if (next.Alertmanager is { } am && !ReferenceEquals(am, current.Alertmanager))
        {
            // Receiver kinds we do not deliver load like Alertmanager loads them, and are said out loud.
            foreach (var unsupported in am.UnsupportedIntegrations)
            {
                LogUnsupportedIntegration(_logger, unsupported.ToString());
            }
        }
        _current = next;
        LogLoaded(_logger, next.Version, next.RuleFiles.Count, next.Problems.Count());
    }

    /// <summary>Every rule file that loads (a broken one keeps its last good version, if any).</summary>
    public IReadOnlyList<RuleFile> RuleFiles() => Current.RuleFiles;

    /// <summary>alertmanager.yml and its templates; a <see cref="ConfigException"/> when it never loaded.</summary>
    public (AlertmanagerConfig Config, TemplateSet Templates) Alertmanager()
    {
        var s = Current;
        return s.Alertmanager is { } am ? (am, s.Templates!) : throw Missing(s.AlertmanagerError, "alertmanager config");
    }

    /// <summary>The scrape configuration; a <see cref="ConfigException"/> when it never loaded.</summary>
    public CollectionConfig Scrape()
    {
        var s = Current;
        return s.Scrape ?? throw Missing(s.ScrapeError, "scrape config");
    }

    /// <summary>The escalation policies, or null when escalation is not configured.</summary>
    public EscalationPolicySet? Escalation()
    {
        var s = Current;
        return s.Escalation ?? (s.EscalationError is { } e ? throw new ConfigException(e) : null);
    }

    /// <summary>The on-call schedules, or null when none are configured.</summary>
    public OnCallConfig? OnCall()
    {
        var s = Current;
        return s.OnCall ?? (s.OnCallError is { } e ? throw new ConfigException(e) : null);
    }

    private static ConfigException Missing(ConfigError? error, string what) =>
        error is not null ? new ConfigException(error) : new ConfigException($"no {what} is configured");

    public static string ResolvePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Path.IsPathRooted(path))
        {
            return path;
        }
        var fromCwd = Path.GetFullPath(path);
        if (File.Exists(fromCwd) || Directory.Exists(fromCwd) || Directory.Exists(Path.GetDirectoryName(fromCwd)))
        {
            return fromCwd;
        }
        return Path.Combine(AppContext.BaseDirectory, path);
    }

    public void Dispose() => _meter.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration version {Version} in force ({RuleFiles} rule files, {Problems} problems)")]
    private static partial void LogLoaded(ILogger logger, long version, int ruleFiles, int problems);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unsupported receiver integration, nothing will be delivered to it: {Integration}")]
    private static partial void LogUnsupportedIntegration(ILogger logger, string integration);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration version {Version}: {Problem}; the last good version of that part stays in force")]
    private static partial void LogPartFailed(ILogger logger, long version, string problem);
}
