using Alerting.Core.Alertmanager;

using Alerting.Tooling.Alertmanager;
namespace Alerting.Cli.Commands;

/// <summary><c>alerting check config FILE...</c>: validates alertmanager.yml files like <c>amtool check-config</c>.</summary>
public sealed class CheckConfigCommand : ICliCommand
{
    public IReadOnlyList<string> Verb { get; } = ["check", "config"];

    public string Summary => "validate alertmanager.yml files (amtool check-config)";

    private static string FirstProblem(string detail)
    {
        var lines = detail.Split('\n');
        return lines.Length > 1 && lines[0] == "yaml: unmarshal errors:" ? lines[1].Trim() : lines[0];
    }

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Count == 0)
        {
            stderr.WriteLine("alerting: error: required argument 'check-files' not provided");
            return Task.FromResult(2);
        }
        foreach (var path in args)
        {
            if (!File.Exists(path))
            {
                stderr.WriteLine($"alerting: error: path '{path}' does not exist");
                return Task.FromResult(1);
            }
        }
        stdout.Write(AmtoolCompat.CheckConfig(args, out var failed, out var configs));
        foreach (var path in args.Where(p => configs.All(c => c.FileName != p)))
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
        foreach (var cfg in configs)
        {
            foreach (var u in cfg.UnsupportedIntegrations)
            {
                stderr.WriteLine($"note: {u}");
            }
        }
        if (failed > 0)
        {
            stderr.WriteLine($"alerting: error: failed to validate {failed} file(s)");
            return Task.FromResult(1);
        }
        return Task.FromResult(0);
    }
}
