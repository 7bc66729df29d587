using Alerting.Tooling.Rules;

namespace Alerting.Cli.Commands;

/// <summary><c>alerting test rules TEST-FILE...</c>: runs promtool-format rule unit tests, like <c>promtool test rules</c>.</summary>
public sealed class TestRulesCommand : ICliCommand
{
    public IReadOnlyList<string> Verb { get; } = ["test", "rules"];

    public string Summary => "run rule unit tests (promtool test rules)";

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Count == 0)
        {
            stderr.WriteLine("alerting: error: required argument 'test-rule-file' not provided, try --help");
            return Task.FromResult(1);
        }
        if (args.FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            stderr.WriteLine($"alerting: error: path '{missing}' does not exist, try --help");
            return Task.FromResult(1);
        }
        return Task.FromResult(new RuleUnitTester().Run(args, stdout, stderr, ct));
    }
}
