using System.CommandLine;
using Alerting.Tooling.Rules;

namespace Alerting.Cli.Commands;

/// <summary><c>alerting check rules [--lint=all|duplicate-rules|none] [--lint-fatal] FILE...</c>: like <c>promtool check rules</c>.</summary>
public sealed class CheckRulesCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["check"];

    public Command Create()
    {
        var (lint, lintFatal) = CliApp.LintOptions();
        var files = CliApp.ExistingFiles("rule-files", "the rule files to check");
        var command = new Command("rules", "validate Prometheus rule files (promtool check rules)") { lint, lintFatal, files };
        command.SetAction(async (result, ct) =>
        {
            var inputs = new List<(string, string)>();
            foreach (var f in result.GetValue(files)!)
            {
                inputs.Add((f, await File.ReadAllTextAsync(f, ct).ConfigureAwait(false)));
            }
            return RuleChecker.CheckFiles(inputs, result.GetValue(lint) != "none", result.GetValue(lintFatal), result.Out(), result.Err());
        });
        return command;
    }
}
