using Alerting.Core.Alertmanager;

using Alerting.Tooling.Alertmanager;
namespace Alerting.Cli.Commands;

/// <summary>
/// <c>alerting routes test --config FILE [--tree] [--verify.receivers=a,b] label=value...</c>: prints the
/// receivers an alert with those labels reaches, exactly as <c>amtool config routes test</c> does.
/// </summary>
public sealed class RoutesTestCommand : ICliCommand
{
    public IReadOnlyList<string> Verb { get; } = ["routes", "test"];

    public string Summary => "show which receivers a label set is routed to (amtool config routes test)";

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string? configFile = null;
        string? expected = null;
        var tree = false;
        var labelArgs = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a is "--tree")
            {
                tree = true;
            }
            else if (a is "--config" or "--config.file" && i + 1 < args.Count)
            {
                configFile = args[++i];
            }
            else if (a.StartsWith("--config=", StringComparison.Ordinal) || a.StartsWith("--config.file=", StringComparison.Ordinal))
            {
                configFile = a[(a.IndexOf('=', StringComparison.Ordinal) + 1)..];
            }
            else if (a is "--verify.receivers" && i + 1 < args.Count)
            {
                expected = args[++i];
            }
            else if (a.StartsWith("--verify.receivers=", StringComparison.Ordinal))
            {
                expected = a["--verify.receivers=".Length..];
            }
            else
            {
                labelArgs.Add(a);
            }
        }
        if (configFile is null)
        {
            stderr.WriteLine("usage: alerting routes test --config FILE [--tree] [--verify.receivers=a,b] label=value...");
            return Task.FromResult(2);
        }
        return Task.FromResult(RoutesCli.Test(configFile, labelArgs, tree, expected, stdout, stderr));
    }
}

/// <summary><c>alerting routes show --config FILE</c>: the whole routing tree, as <c>amtool config routes</c>.</summary>
public sealed class RoutesShowCommand : ICliCommand
{
    public IReadOnlyList<string> Verb { get; } = ["routes", "show"];

    public string Summary => "print the routing tree of an alertmanager.yml (amtool config routes)";

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var file = args.Count == 2 && args[0] is "--config" or "--config.file" ? args[1]
            : args.Count == 1 && args[0].StartsWith("--config", StringComparison.Ordinal) ? args[0][(args[0].IndexOf('=', StringComparison.Ordinal) + 1)..]
            : null;
        if (file is null)
        {
            stderr.WriteLine("usage: alerting routes show --config FILE");
            return Task.FromResult(2);
        }
        if (RoutesCli.LoadOrReport(file, stderr) is not { } cfg)
        {
            return Task.FromResult(1);
        }
        stdout.Write(AmtoolCompat.RoutingTree(cfg.Root));
        return Task.FromResult(0);
    }
}

internal static class RoutesCli
{
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
