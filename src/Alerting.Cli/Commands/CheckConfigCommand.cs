using Alerting.Core.Config;
using System.CommandLine;
using Alerting.Core.Alertmanager;
using Alerting.Tooling.Alertmanager;

namespace Alerting.Cli.Commands;

/// <summary><c>alerting check config FILE...</c>: validates alertmanager.yml files like <c>amtool check-config</c>.</summary>
public sealed class CheckConfigCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["check"];

    private static string FirstProblem(string detail)
    {
        var lines = detail.Split('\n');
        return lines.Length > 1 && lines[0] == "yaml: unmarshal errors:" ? lines[1].Trim() : lines[0];
    }

    public Command Create()
    {
        var files = CliApp.ExistingFiles("check-files", "the alertmanager.yml files to check");
        var command = new Command("config", "validate alertmanager.yml files (amtool check-config)") { files };
        command.SetAction(result =>
        {
            var paths = result.GetValue(files)!;
            var stdout = result.Out();
            var stderr = result.Err();
            stdout.Write(AmtoolCompat.CheckConfig(paths, out var failed, out var configs));
            foreach (var path in paths.Where(p => configs.All(c => c.FileName != p)))
            {
                // amtool's text has no position; say where the problem is on stderr.
                try
                {
                    AlertmanagerConfigLoader.Load(path);
                }
                catch (ConfigException e) when (e.Line > 0)
                {
                    stderr.WriteLine($"{e.File}:{e.Line}:{e.Column}: {(e.Key.Length > 0 ? e.Key + ": " : string.Empty)}{FirstProblem(e.Detail)}");
                }
            }
            foreach (var u in configs.SelectMany(c => c.UnsupportedIntegrations))
            {
                stderr.WriteLine($"note: {u}");
            }
            if (failed > 0)
            {
                stderr.WriteLine($"alerting: error: failed to validate {failed} file(s)");
                return 1;
            }
            return 0;
        });
        return command;
    }
}
