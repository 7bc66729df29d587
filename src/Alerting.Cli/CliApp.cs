using System.CommandLine;
using System.CommandLine.Parsing;

namespace Alerting.Cli;

/// <summary>
/// One `alerting ...` command. Each lives in its own file under Commands/ and is found by reflection, so
/// adding one (e.g. amtool's <c>silence</c> or <c>alert</c> verbs) never touches a shared switch.
/// </summary>
public interface ICliCommand
{
    /// <summary>The words before the command's own name: <c>["check"]</c> for <c>check rules</c>, empty at the top.</summary>
    IReadOnlyList<string> Parents { get; }

    /// <summary>The System.CommandLine command with its options, arguments and action.</summary>
    Command Create();
}

/// <summary>
/// The command tree on System.CommandLine: <c>--help</c> everywhere, <c>--flag=value</c> and
/// <c>--flag value</c> alike, unknown flags rejected. Exit codes follow promtool/amtool: 0 success,
/// 1 a failed check or a usage error, 3 a fatal lint finding.
/// </summary>
public static class CliApp
{
    /// <summary>Group commands and what they hold.</summary>
    private static readonly Dictionary<string, string> Groups = new(StringComparer.Ordinal)
    {
        ["check"] = "validate the files the app reads (promtool check / amtool check-config)",
        ["routes"] = "inspect the routing tree of an alertmanager.yml (amtool config routes)",
        ["test"] = "run unit tests (promtool test)",
        ["conformance"] = "run upstream conformance suites",
        ["alert"] = "query or add alerts on a running app or Alertmanager (amtool alert)",
        ["silence"] = "add, query, expire or import silences on a running app or Alertmanager (amtool silence)",
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("Alerting.Functions command line: checks, rule tests and routing the way promtool and amtool do them");
        var commands = typeof(CliApp).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(ICliCommand).IsAssignableFrom(t))
            .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
            .OrderBy(c => string.Join(' ', c.Parents), StringComparer.Ordinal);
        foreach (var c in commands)
        {
            Command parent = root;
            foreach (var word in c.Parents)
            {
                var group = parent.Subcommands.FirstOrDefault(s => s.Name == word);
                if (group is null)
                {
                    group = new Command(word, Groups.GetValueOrDefault(word));
                    parent.Subcommands.Add(group);
                }
                parent = group;
            }
            var command = c.Create();
            RejectUnknownFlags(command);
            parent.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; all output goes to the given writers.</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        var parsed = Build().Parse(args);
        return parsed.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, ct);
    }

    /// <summary>
    /// System.CommandLine hands a token like <c>--lnt</c> to a command's free arguments when no option has
    /// that name, so a typo would become a file name or a query. Here any such token is an error instead.
    /// </summary>
    private static void RejectUnknownFlags(Command command)
    {
        command.Validators.Add(result =>
        {
            foreach (var arg in result.Children.OfType<ArgumentResult>())
            {
                foreach (var token in arg.Tokens)
                {
                    if (LooksLikeFlag(token.Value))
                    {
                        result.AddError($"unknown flag '{token.Value}', try --help");
                    }
                }
            }
        });
    }

    /// <summary><c>--name...</c>, or a lone short flag like <c>-x</c>; a PromQL query such as <c>-up</c> or <c>-1</c> is not one.</summary>
    private static bool LooksLikeFlag(string token) =>
        (token.StartsWith("--", StringComparison.Ordinal) && token.Length > 2 && char.IsAsciiLetter(token[2]))
        || (token.Length == 2 && token[0] == '-' && char.IsAsciiLetter(token[1]));

    /// <summary>Arguments naming files that must exist (kingpin's ExistingFiles in promtool/amtool).</summary>
    public static Argument<string[]> ExistingFiles(string name, string description)
    {
        var argument = new Argument<string[]>(name) { Description = description, Arity = ArgumentArity.OneOrMore };
        argument.Validators.Add(result =>
        {
            foreach (var path in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!File.Exists(path) && !LooksLikeFlag(path))
                {
                    result.AddError($"path '{path}' does not exist");
                }
            }
        });
        return argument;
    }

    /// <summary>promtool's <c>--lint</c> and <c>--lint-fatal</c>, shared by the commands that check rule files.</summary>
    public static (Option<string> Lint, Option<bool> LintFatal) LintOptions()
    {
        var lint = new Option<string>("--lint")
        {
            Description = "linting checks to apply to the rules: all, duplicate-rules, none",
            DefaultValueFactory = _ => "duplicate-rules",
        };
        lint.AcceptOnlyFromAmong("all", "duplicate-rules", "none");
        return (lint, new Option<bool>("--lint-fatal") { Description = "make lint errors exit with exit code 3" });
    }

    public static TextWriter Out(this ParseResult result) => result.InvocationConfiguration.Output;

    public static TextWriter Err(this ParseResult result) => result.InvocationConfiguration.Error;
}
