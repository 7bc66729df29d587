using Alerting.Core.Config;
using System.CommandLine;
using Alerting.Core.Alertmanager;
using Alerting.Tooling.Alertmanager;

namespace Alerting.Cli.Commands;

/// <summary>
/// <c>alerting routes test --config FILE [--tree] [--verify.receivers=a,b] label=value...</c>: prints the
/// receivers an alert with those labels reaches, exactly as <c>amtool config routes test</c> does.
/// </summary>
public sealed class RoutesTestCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["routes"];

    public Command Create()
    {
        var config = RoutesCli.ConfigOption();
        var tree = new Option<bool>("--tree") { Description = "show the routing tree of the matching routes" };
        var verify = new Option<string>("--verify.receivers") { Description = "checks if the resolved receivers equal these (comma separated)" };
        var labels = new Argument<string[]>("labels") { Description = "label=value pairs of the test alert", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("test", "show which receivers a label set is routed to (amtool config routes test)") { config, tree, verify, labels };
        command.SetAction(result => RoutesCli.Test(result.GetValue(config)!, result.GetValue(labels) ?? [], result.GetValue(tree), result.GetValue(verify), result.Out(), result.Err()));
        return command;
    }
}

/// <summary><c>alerting routes show --config FILE</c>: the whole routing tree, as <c>amtool config routes</c>.</summary>
public sealed class RoutesShowCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["routes"];

    public Command Create()
    {
        var config = RoutesCli.ConfigOption();
        var command = new Command("show", "print the routing tree of an alertmanager.yml (amtool config routes)") { config };
        command.SetAction(result =>
        {
            if (RoutesCli.LoadOrReport(result.GetValue(config)!, result.Err()) is not { } cfg)
            {
                return 1;
            }
            result.Out().Write(AmtoolCompat.RoutingTree(cfg.Root));
            return 0;
        });
        return command;
    }
}

internal static class RoutesCli
{
    /// <summary>amtool's <c>--config.file</c>, also spelled <c>--config</c>.</summary>
    public static Option<string> ConfigOption()
    {
        var option = new Option<string>("--config", "--config.file") { Description = "the alertmanager.yml to route with", Required = true };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } path && !File.Exists(path))
            {
                r.AddError($"path '{path}' does not exist");
            }
        });
        return option;
    }

    public static AlertmanagerConfig? LoadOrReport(string file, TextWriter stderr)
    {
        try
        {
            return AlertmanagerConfigLoader.Load(file);
        }
        catch (ConfigException e)
        {
            stderr.WriteLine($"alerting: error: {e.Detail}");
            stderr.WriteLine($"  at {e.Message}");
            return null;
        }
        catch (IOException e)
        {
            stderr.WriteLine($"alerting: error: {e.Message}");
            return null;
        }
    }

    public static int Test(string file, IReadOnlyList<string> labelArgs, bool tree, string? expected, TextWriter stdout, TextWriter stderr)
    {
        if (LoadOrReport(file, stderr) is not { } cfg)
        {
            return 1;
        }
        Alerting.Core.Model.Labels labels;
        try
        {
            labels = AmtoolCompat.ParseTestLabels(labelArgs);
        }
        catch (MatcherParseException e)
        {
            stderr.WriteLine($"alerting: error: Failed to parse labels: {e.Message}");
            return 1;
        }
        if (tree)
        {
            stdout.Write(AmtoolCompat.MatchingTree(cfg.Root, labels));
        }
        var receivers = AmtoolCompat.Receivers(cfg.Root, labels);
        stdout.WriteLine(receivers);
        if (expected is { Length: > 0 } && expected != receivers)
        {
            stdout.WriteLine("WARNING: Expected receivers did not match resolved receivers.");
            return 1;
        }
        return 0;
    }
}
