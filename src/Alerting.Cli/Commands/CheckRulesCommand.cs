using Alerting.Tooling.Rules;

namespace Alerting.Cli.Commands;

/// <summary><c>alerting check rules [--lint=all|duplicate-rules|none] [--lint-fatal] FILE...</c>: like <c>promtool check rules</c>.</summary>
public sealed class CheckRulesCommand : ICliCommand
{
    public IReadOnlyList<string> Verb { get; } = ["check", "rules"];

    public string Summary => "validate Prometheus rule files (promtool check rules)";

    public async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var lintDuplicates = true;
        var lintFatal = false;
        var files = new List<string>();
        foreach (var a in args)
        {
            switch (a)
            {
                case "--lint=none":
                    lintDuplicates = false;
                    break;
                case "--lint=duplicate-rules" or "--lint=all":
                    lintDuplicates = true;
                    break;
                case "--lint-fatal":
                    lintFatal = true;
                    break;
                default:
                    if (a.StartsWith("--", StringComparison.Ordinal))
                    {
                        await stderr.WriteLineAsync($"alerting: error: unknown long flag '{a}', try --help").ConfigureAwait(false);
                        return 1;
                    }
                    files.Add(a);
                    break;
            }
        }
        if (files.Count == 0)
        {
            await stderr.WriteLineAsync("alerting: error: required argument 'rule-files' not provided, try --help").ConfigureAwait(false);
            return 1;
        }
        // Like promtool (kingpin's ExistingFiles), a missing path is a usage error before any checking.
        if (files.FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            await stderr.WriteLineAsync($"alerting: error: path '{missing}' does not exist, try --help").ConfigureAwait(false);
            return 1;
        }
        var inputs = new List<(string, string)>();
        foreach (var f in files)
        {
            inputs.Add((f, await File.ReadAllTextAsync(f, ct).ConfigureAwait(false)));
        }
        return RuleChecker.CheckFiles(inputs, lintDuplicates, lintFatal, stdout, stderr);
    }
}
