using Alerting.Core.Alertmanager;
using Alerting.Core.Escalation;
using Alerting.Core.OnCall;
using Alerting.Core.Rules;
using Alerting.Core.Templating;
using Alerting.Functions.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Pipeline;

/// <summary>
/// Loads the user's files (rule files, alertmanager.yml with its templates) and reloads them when they
/// change on disk. A file that fails to load is reported and the last good version stays in force, as
/// Prometheus and Alertmanager do on a bad reload; with no good version the error propagates.
/// </summary>
public sealed partial class ConfigProvider(IOptions<AlertingOptions> options, ILogger<ConfigProvider> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Cached<RuleFile?>> _ruleFiles = new(StringComparer.Ordinal);
    private Cached<(AlertmanagerConfig Config, TemplateSet Templates)>? _alertmanager;
    private Cached<EscalationPolicySet>? _escalation;
    private Cached<OnCallConfig>? _onCall;

    public static string ResolvePath(string path)
    {
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

    /// <summary>Expands ';'-separated paths and simple globs (<c>dir/*.yml</c>).</summary>
    public static IReadOnlyList<string> ExpandFiles(string spec)
    {
        var result = new List<string>();
        foreach (var part in spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var full = ResolvePath(part);
            var name = Path.GetFileName(full);
            if (name.Contains('*', StringComparison.Ordinal) || name.Contains('?', StringComparison.Ordinal))
            {
                var dir = Path.GetDirectoryName(full)!;
                if (Directory.Exists(dir))
                {
                    result.AddRange(Directory.GetFiles(dir, name).OrderBy(f => f, StringComparer.Ordinal));
                }
            }
            else
            {
                result.Add(full);
            }
        }
        return result;
    }

    /// <summary>
    /// Every rule file that loads. Files are loaded one by one so a broken file (reported with its file,
    /// line and key) never stops the groups in the other files; it keeps its last good version if it had one.
    /// </summary>
    public IReadOnlyList<RuleFile> RuleFiles()
    {
        var result = new List<RuleFile>();
        lock (_gate)
        {
            foreach (var file in ExpandFiles(options.Value.RuleFiles))
            {
                var stamp = File.Exists(file) ? File.GetLastWriteTimeUtc(file).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture) : "missing";
                if (!_ruleFiles.TryGetValue(file, out var cached) || cached.Stamp != stamp)
                {
                    try
                    {
                        cached = new Cached<RuleFile?>(stamp, RuleFileLoader.Load(file));
                        LogLoaded(logger, file, 1);
                    }
                    catch (Exception e) when (e is Core.Config.ConfigException or IOException)
                    {
                        LogRuleFileFailed(logger, file, e.Message, cached?.Value is not null);
                        cached = new Cached<RuleFile?>(stamp, cached?.Value);
                    }
                    _ruleFiles[file] = cached;
                }
                if (cached.Value is { } loaded)
                {
                    result.Add(loaded);
                }
            }
        }
        return result;
    }

    public (AlertmanagerConfig Config, TemplateSet Templates) Alertmanager()
    {
        var path = ResolvePath(options.Value.AlertmanagerConfigPath);
        var defaults = ResolvePath(options.Value.DefaultTemplatesPath);
        return Get(ref _alertmanager, [path], () =>
        {
            var loaded = LoadAlertmanager(path, defaults);
            // Receiver kinds we do not deliver load like Alertmanager loads them, and are said out loud.
            foreach (var unsupported in loaded.Item1.UnsupportedIntegrations)
            {
                LogUnsupportedIntegration(logger, unsupported.ToString());
            }
            return loaded;
        }, "alertmanager config");
    }

    /// <summary>The escalation policies, or null when escalation is not configured.</summary>
    public EscalationPolicySet? Escalation()
    {
        if (string.IsNullOrWhiteSpace(options.Value.EscalationPolicyPath))
        {
            return null;
        }
        var path = ResolvePath(options.Value.EscalationPolicyPath);
        return Get(ref _escalation, [path], () => EscalationPolicyLoader.LoadFile(path), "escalation policies");
    }

    /// <summary>The on-call schedules, or null when none are configured.</summary>
    public OnCallConfig? OnCall()
    {
        if (string.IsNullOrWhiteSpace(options.Value.OnCallPath))
        {
            return null;
        }
        var path = ResolvePath(options.Value.OnCallPath);
        return Get(ref _onCall, [path], () => OnCallLoader.LoadFile(path), "on-call schedules");
    }

    private static (AlertmanagerConfig, TemplateSet) LoadAlertmanager(string path, string defaultTemplates)
    {
        var config = AlertmanagerConfigLoader.Load(path);
        // Loads default.tmpl and the email.tmpl beside it, as Alertmanager's defaults.
        var templates = AlertmanagerTemplates.LoadDefault(Path.Combine(defaultTemplates, "default.tmpl"));
        var baseDir = Path.GetDirectoryName(path)!;
        foreach (var pattern in config.Templates)
        {
            foreach (var file in ExpandFiles(Path.IsPathRooted(pattern) ? pattern : Path.Combine(baseDir, pattern)))
            {
                if (File.Exists(file))
                {
                    templates.AddFile(Path.GetFileName(file), File.ReadAllText(file));
                }
            }
        }
        return (config, templates);
    }

    private T Get<T>(ref Cached<T>? slot, IReadOnlyList<string> files, Func<T> load, string what)
    {
        var stamp = string.Join('|', files.Select(f => File.Exists(f) ? f + "@" + File.GetLastWriteTimeUtc(f).Ticks : f + "@missing"));
        lock (_gate)
        {
            if (slot is not null && slot.Stamp == stamp)
            {
                return slot.Value;
            }
            try
            {
                var value = load();
                slot = new Cached<T>(stamp, value);
                LogLoaded(logger, what, files.Count);
                return value;
            }
            catch (Exception e) when (slot is not null)
            {
                LogReloadFailed(logger, e, what, e.Message);
                slot = slot with { Stamp = stamp };
                return slot.Value;
            }
        }
    }

    private sealed record Cached<T>(string Stamp, T Value);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {What} ({Files} files)")]
    private static partial void LogLoaded(ILogger logger, string what, int files);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unsupported receiver integration, nothing will be delivered to it: {Integration}")]
    private static partial void LogUnsupportedIntegration(ILogger logger, string integration);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rule file {File} does not load ({Error}); other files keep running; previous version kept: {KeptPrevious}")]
    private static partial void LogRuleFileFailed(ILogger logger, string file, string error, bool keptPrevious);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reloading {What} failed, keeping the previous version: {Error}")]
    private static partial void LogReloadFailed(ILogger logger, Exception e, string what, string error);
}
