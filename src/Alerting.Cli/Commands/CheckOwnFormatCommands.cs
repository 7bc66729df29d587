using System.CommandLine;
using Alerting.Core.Config;
using Alerting.Core.Escalation;
using Alerting.Core.OnCall;

namespace Alerting.Cli.Commands;

/// <summary><c>alerting check escalation FILE...</c>: escalation policies, loaded as the app loads them.</summary>
public sealed class CheckEscalationCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["check"];

    public Command Create() => OwnFormatCheck.Create("escalation", "validate escalation policy files (escalation.yml)", path =>
    {
        var set = EscalationPolicyLoader.LoadFile(path);
        return $"{set.Policies.Count} policies found";
    });
}

/// <summary><c>alerting check oncall FILE...</c>: on-call schedules, loaded as the app loads them.</summary>
public sealed class CheckOnCallCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["check"];

    public Command Create() => OwnFormatCheck.Create("oncall", "validate on-call schedule files (oncall.yml)", path =>
    {
        var config = OnCallLoader.LoadFile(path);
        return $"{config.Schedules.Count} schedules, {config.People.Count} people found";
    });
}

/// <summary>The report of our own formats' checks, in promtool's shape: "Checking F", then SUCCESS or FAILED with file:line:column and key.</summary>
internal static class OwnFormatCheck
{
    public static Command Create(string name, string description, Func<string, string> load)
    {
        var files = CliApp.ExistingFiles("files", "the files to check");
        var command = new Command(name, description) { files };
        command.SetAction(result =>
        {
            var exit = 0;
            foreach (var file in result.GetValue(files)!)
            {
                result.Out().WriteLine("Checking " + file);
                try
                {
                    result.Out().WriteLine("  SUCCESS: " + load(file));
                }
                catch (ConfigException e)
                {
                    result.Err().WriteLine("  FAILED: " + e.Message);
                    exit = 1;
                }
                result.Out().WriteLine();
            }
            return exit;
        });
        return command;
    }
}
