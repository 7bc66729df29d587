using System.CommandLine;
using Alerting.Core.Config;
using Alerting.Core.Discovery.Fly;
using Alerting.Core.Scrape.Config;
using Alerting.Tooling.Rules;

namespace Alerting.Cli.Commands;

/// <summary>
/// <c>alerting check scrape FILE...</c>: the Prometheus-style scrape configuration the app collects with,
/// checked as <c>promtool check config</c> checks a prometheus.yml (same verdicts on the scrape section,
/// same report), including the rule files it names.
/// </summary>
public sealed class CheckScrapeCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["check"];

    public Command Create()
    {
        var (lint, lintFatal) = CliApp.LintOptions();
        var files = CliApp.ExistingFiles("config-files", "the scrape configuration files to check");
        var command = new Command("scrape", "validate scrape configurations (promtool check config)") { lint, lintFatal, files };
        command.SetAction(async (result, ct) =>
        {
            var stdout = result.Out();
            var stderr = result.Err();
            var exit = 0;
            foreach (var file in result.GetValue(files)!)
            {
                await stdout.WriteLineAsync("Checking " + file).ConfigureAwait(false);
                CollectionConfig config;
                try
                {
                    config = ScrapeConfigLoader.Load(file);
                }
                catch (ConfigException e)
                {
                    await stdout.WriteLineAsync().ConfigureAwait(false);
                    await stderr.WriteLineAsync($"  FAILED: parsing YAML file {file}: {e.Detail}").ConfigureAwait(false);
                    if (e.Line > 0)
                    {
                        await stderr.WriteLineAsync($"  at {e.File}:{e.Line}:{e.Column}: {e.Key}").ConfigureAwait(false);
                    }
                    exit = 1;
                    continue;
                }
                if (ScrapeConfigLoader.StaticTargetProblems(config) is { Count: > 0 } problems)
                {
                    await stdout.WriteLineAsync().ConfigureAwait(false);
                    await stderr.WriteLineAsync("  FAILED: " + problems[0]).ConfigureAwait(false);
                    exit = 1;
                    continue;
                }
                var baseDir = Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".";
                if (FlyTokenProblems(config, baseDir) is { Count: > 0 } tokenProblems)
                {
                    // Discovery would find nothing once deployed: say so now, with the source to fix.
                    await stdout.WriteLineAsync().ConfigureAwait(false);
                    foreach (var problem in tokenProblems)
                    {
                        await stderr.WriteLineAsync("  FAILED: " + problem).ConfigureAwait(false);
                    }
                    exit = 1;
                    continue;
                }
                var ruleFiles = config.RuleFiles.SelectMany(g => ConfigLoader.ExpandFiles(Path.IsPathRooted(g) ? g : Path.Combine(baseDir, g))).Where(File.Exists).ToList();
                if (ruleFiles.Count > 0)
                {
                    await stdout.WriteLineAsync($"  SUCCESS: {ruleFiles.Count} rule files found").ConfigureAwait(false);
                }
                await stdout.WriteLineAsync($" SUCCESS: {file} is valid prometheus config file syntax").ConfigureAwait(false);
                await stdout.WriteLineAsync().ConfigureAwait(false);
                foreach (var warning in config.Warnings)
                {
                    await stderr.WriteLineAsync("note: " + warning).ConfigureAwait(false);
                }
                if (ruleFiles.Count > 0)
                {
                    var inputs = new List<(string, string)>();
                    foreach (var rf in ruleFiles)
                    {
                        inputs.Add((rf, await File.ReadAllTextAsync(rf, ct).ConfigureAwait(false)));
                    }
                    exit = Math.Max(exit, RuleChecker.CheckFiles(inputs, result.GetValue(lint) != "none", result.GetValue(lintFatal), stdout, stderr));
                }
            }
            return exit == RuleChecker.LintFailure || exit == 0 ? exit : 1;
        });
        return command;
    }

    /// <summary>
    /// Each fly_sd config whose API token the app could not get as configured: none of token, token_file, the
    /// Alerting__FlyApiToken setting (read from this environment) or FLY_API_TOKEN, or a token_file that cannot be read.
    /// </summary>
    private static List<string> FlyTokenProblems(CollectionConfig config, string baseDir)
    {
        var problems = new List<string>();
        foreach (var job in config.ScrapeConfigs)
        {
            foreach (var sd in job.FlySdConfigs)
            {
                try
                {
                    FlyTokenSource.Resolve(sd, baseDir, Environment.GetEnvironmentVariable(FlyTokenSource.SettingName), Environment.GetEnvironmentVariable(FlyTokenSource.EnvironmentName));
                }
                catch (FlyTokenException e)
                {
                    problems.Add($"job {job.JobName}: {e.Message}");
                }
            }
        }
        return problems;
    }
}
