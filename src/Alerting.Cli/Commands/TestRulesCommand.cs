using System.CommandLine;
using Alerting.Tooling.Rules;

namespace Alerting.Cli.Commands;

/// <summary><c>alerting test rules TEST-FILE...</c>: runs promtool-format rule unit tests, like <c>promtool test rules</c>.</summary>
public sealed class TestRulesCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["test"];

    public Command Create()
    {
        var files = CliApp.ExistingFiles("test-rule-file", "the unit test files for rules");
        var command = new Command("rules", "run rule unit tests (promtool test rules)") { files };
        command.SetAction((result, ct) => Task.FromResult(new RuleUnitTester().Run(result.GetValue(files)!, result.Out(), result.Err(), ct)));
        return command;
    }
}
