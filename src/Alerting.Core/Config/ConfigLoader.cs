using System.Globalization;
using System.Text;
using Alerting.Core.Alertmanager;
using Alerting.Core.Escalation;
using Alerting.Core.OnCall;
using Alerting.Core.Rules;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Templating;

namespace Alerting.Core.Config;

/// <summary>
/// Loads a <see cref="ConfigSnapshot"/> from disk. The running app and <c>alerting check</c> use the same
/// per-file loaders, so they cannot disagree about a file. A part that fails keeps the previous
/// snapshot's value, as Prometheus and Alertmanager keep their configuration on a bad reload.
/// </summary>
public static class ConfigLoader
{
    /// <summary>
    /// A cheap fingerprint of every file a snapshot depends on (template files and globbed rule files
    /// included); equal stamps mean nothing needs reloading.
    /// </summary>
    public static string Stamp(ConfigPaths paths, ConfigSnapshot? previous = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var sb = new StringBuilder();
        foreach (var file in Files(paths, previous))
        {
            var info = new FileInfo(file);
            sb.Append(file).Append('@');
            sb.Append(info.Exists ? string.Create(CultureInfo.InvariantCulture, $"{info.LastWriteTimeUtc.Ticks}:{info.Length}") : "missing").Append('|');
        }
        return sb.ToString();
    }

    private static IEnumerable<string> Files(ConfigPaths paths, ConfigSnapshot? previous)
    {
        var files = new List<string?> { paths.Scrape, paths.Alertmanager, paths.Escalation, paths.OnCall };
        files.AddRange(paths.RuleFiles.SelectMany(ExpandFiles));
        if (paths.DefaultTemplates is { } dir && Directory.Exists(dir))
        {
            files.AddRange(Directory.GetFiles(dir, "*.tmpl").Order(StringComparer.Ordinal));
        }
        if (previous?.Alertmanager is { } am)
        {
            files.AddRange(TemplateFiles(am));
        }
        return files.OfType<string>();
    }

    /// <summary>Loads every configured part; <paramref name="previous"/> supplies the last good value of any part that fails.</summary>
    public static ConfigSnapshot Load(ConfigPaths paths, ConfigSnapshot? previous, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(paths);
        previous ??= ConfigSnapshot.Empty;
        var stamp = Stamp(paths, previous);
        var (scrape, scrapeError) = Part(paths.Scrape, ScrapeConfigLoader.Load, previous.Scrape);
        var (rules, ruleErrors) = LoadRuleFiles(paths.RuleFiles, previous.RuleFiles);
        var ((alertmanager, templates), amError) = Part(paths.Alertmanager, p => LoadAlertmanager(p, paths.DefaultTemplates), (previous.Alertmanager, previous.Templates));
        var (escalation, escalationError) = Part(paths.Escalation, EscalationPolicyLoader.LoadFile, previous.Escalation);
        var (onCall, onCallError) = Part(paths.OnCall, OnCallLoader.LoadFile, previous.OnCall);
        var snapshot = new ConfigSnapshot
        {
            Version = previous.Version + 1,
            LoadedAt = now,
            Scrape = scrape,
            ScrapeError = scrapeError,
            RuleFiles = rules,
            RuleFileErrors = ruleErrors,
            Alertmanager = alertmanager,
            Templates = templates,
            AlertmanagerError = amError,
            Escalation = escalation,
            EscalationError = escalationError,
            OnCall = onCall,
            OnCallError = onCallError,
        };
        // Template files are known only once alertmanager.yml is read; include them in the stamp from now on.
        return snapshot with { Stamp = alertmanager is null ? stamp : Stamp(paths, snapshot) };
    }

    private static (T? Value, ConfigError? Error) Part<T>(string? path, Func<string, T> load, T? previous)
    {
        if (path is null)
        {
            return (default, null);
        }
        try
        {
            return (load(path), null);
        }
        catch (ConfigException e)
        {
            return (previous, e.Error);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (previous, new ConfigError(path, 0, 0, string.Empty, e.Message));
        }
    }

    /// <summary>
    /// Rule files one by one: a broken file (reported with file, line and key) never stops the groups in
    /// the other files, and keeps its last good version if it had one.
    /// </summary>
    public static (IReadOnlyList<RuleFile> Files, IReadOnlyList<ConfigError> Errors) LoadRuleFiles(IEnumerable<string> globs, IReadOnlyList<RuleFile> previous)
    {
        ArgumentNullException.ThrowIfNull(globs);
        ArgumentNullException.ThrowIfNull(previous);
        var files = new List<RuleFile>();
        var errors = new List<ConfigError>();
        foreach (var path in globs.SelectMany(ExpandFiles).Distinct(StringComparer.Ordinal))
        {
            var (file, error) = Part(path, RuleFileLoader.Load, previous.FirstOrDefault(f => f.Path == path));
            if (file is not null)
            {
                files.Add(file);
            }
            if (error is not null)
            {
                errors.Add(error);
            }
        }
        return (files, errors);
    }

    /// <summary>alertmanager.yml with Alertmanager's default templates and the template files it names.</summary>
    public static (AlertmanagerConfig Config, TemplateSet Templates) LoadAlertmanager(string path, string? defaultTemplates)
    {
        var config = AlertmanagerConfigLoader.Load(path);
        // default.tmpl and the email.tmpl beside it, as Alertmanager's defaults.
        var templates = defaultTemplates is null ? AlertmanagerTemplates.CreateSet() : AlertmanagerTemplates.LoadDefault(Path.Combine(defaultTemplates, "default.tmpl"));
        foreach (var file in TemplateFiles(config))
        {
            try
            {
                templates.AddFile(Path.GetFileName(file), File.ReadAllText(file));
            }
            catch (TemplateParseException e)
            {
                throw new ConfigException(file, 0, 0, string.Empty, e.Message);
            }
        }
        return (config, templates);
    }

    /// <summary>The template files a config names: globs resolved against the config's folder, as Alertmanager does; a glob matching nothing is not an error.</summary>
    public static IReadOnlyList<string> TemplateFiles(AlertmanagerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(config.FileName)) ?? ".";
        return config.Templates.SelectMany(g => ExpandFiles(Path.IsPathRooted(g) ? g : Path.Combine(baseDir, g))).Where(File.Exists).ToArray();
    }

    /// <summary>The files a path or a glob in its last element (<c>dir/*.yml</c>) names, in order.</summary>
    public static IReadOnlyList<string> ExpandFiles(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var name = Path.GetFileName(pattern);
        if (!name.Contains('*', StringComparison.Ordinal) && !name.Contains('?', StringComparison.Ordinal))
        {
            return [pattern];
        }
        var dir = Path.GetDirectoryName(pattern) is { Length: > 0 } d ? d : ".";
        return Directory.Exists(dir) ? Directory.GetFiles(dir, name).Order(StringComparer.Ordinal).ToArray() : [];
    }
}
