using System.CommandLine;
using Alerting.Tooling.Amtool;

namespace Alerting.Cli.Commands;

/// <summary><c>alerting alert query</c>: amtool's alert listing against a running app or an Alertmanager.</summary>
public sealed class AlertQueryCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["alert"];

    public Command Create()
    {
        var global = new AmtoolGlobalOptions();
        var inhibited = new Option<bool>("--inhibited", "-i") { Description = "Show inhibited alerts" };
        var silenced = new Option<bool>("--silenced", "-s") { Description = "Show silenced alerts" };
        var active = new Option<bool>("--active", "-a") { Description = "Show active alerts" };
        var unprocessed = new Option<bool>("--unprocessed", "-u") { Description = "Show unprocessed alerts" };
        var receiver = new Option<string>("--receiver", "-r") { Description = "Show alerts matching receiver (Supports regex syntax)" };
        var groups = AmtoolGlobalOptions.MatcherGroups("Query filter");
        var command = new Command("query", "View and search through current alerts (amtool alert query); without a state flag only active alerts") { inhibited, silenced, active, unprocessed, receiver, groups };
        global.AddTo(command);
        command.SetAction((r, ct) => global.RunAsync(r, (session, ct) => session.AlertQueryAsync(
            new AlertQueryOptions(r.GetValue(inhibited), r.GetValue(silenced), r.GetValue(active), r.GetValue(unprocessed), r.GetValue(receiver) ?? string.Empty, r.GetValue(groups) ?? []),
            r.Out(), ct), ct));
        return command;
    }
}

/// <summary><c>alerting alert add</c>: posts one alert, as amtool does.</summary>
public sealed class AlertAddCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["alert"];

    public Command Create()
    {
        var global = new AmtoolGlobalOptions();
        var generatorUrl = new Option<string>("--generator-url") { Description = "Set the URL of the source that generated the alert" };
        var start = new Option<string>("--start") { Description = "Set when the alert should start. RFC3339 format 2006-01-02T15:04:05-07:00" };
        var end = new Option<string>("--end") { Description = "Set when the alert should should end. RFC3339 format 2006-01-02T15:04:05-07:00" };
        var annotations = new Option<string[]>("--annotation") { Description = "Set an annotation to be included with the alert", Arity = ArgumentArity.ZeroOrMore };
        var labels = new Argument<string[]>("labels") { Description = "List of labels to be included with the alert (a first argument without '=' is the alertname)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("add", "Add a new alert (amtool alert add)") { generatorUrl, start, end, annotations, labels };
        global.AddTo(command);
        command.SetAction((r, ct) => global.RunAsync(r, (session, ct) => session.AlertAddAsync(
            new AlertAddOptions(r.GetValue(labels) ?? [], r.GetValue(annotations) ?? [], r.GetValue(generatorUrl) ?? string.Empty, r.GetValue(start) ?? string.Empty, r.GetValue(end) ?? string.Empty),
            ct), ct));
        return command;
    }
}

/// <summary><c>alerting silence add</c>: creates a silence and prints its id.</summary>
public sealed class SilenceAddCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["silence"];

    public Command Create()
    {
        var global = new AmtoolGlobalOptions();
        var author = new Option<string>("--author", "-a") { Description = "Username for CreatedBy field", DefaultValueFactory = _ => Environment.UserName };
        var requireComment = new Option<bool>("--require-comment") { Description = "Require comment to be set", DefaultValueFactory = _ => true, Hidden = true, Arity = ArgumentArity.ZeroOrOne };
        var duration = new Option<string>("--duration", "-d") { Description = "Duration of silence", DefaultValueFactory = _ => "1h" };
        var start = new Option<string>("--start") { Description = "Set when the silence should start. RFC3339 format 2006-01-02T15:04:05-07:00" };
        var end = new Option<string>("--end") { Description = "Set when the silence should end (overwrites duration). RFC3339 format 2006-01-02T15:04:05-07:00" };
        var comment = new Option<string>("--comment", "-c") { Description = "A comment to help describe the silence" };
        var matchers = AmtoolGlobalOptions.MatcherGroups("Query filter");
        var command = new Command("add", "Add a new silence (amtool silence add); a first argument without an operator is the alertname") { author, requireComment, duration, start, end, comment, matchers };
        global.AddTo(command);
        command.SetAction((r, ct) => global.RunAsync(r, (session, ct) => session.SilenceAddAsync(
            new SilenceAddOptions(r.GetValue(author) ?? string.Empty, r.GetValue(requireComment), r.GetValue(duration) ?? "1h", r.GetValue(start) ?? string.Empty, r.GetValue(end) ?? string.Empty, r.GetValue(comment) ?? string.Empty, r.GetValue(matchers) ?? []),
            r.Out(), ct), ct));
        return command;
    }
}

/// <summary><c>alerting silence query</c>: lists silences as amtool does.</summary>
public sealed class SilenceQueryCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["silence"];

    public Command Create()
    {
        var global = new AmtoolGlobalOptions();
        var expired = new Option<bool>("--expired") { Description = "Show expired silences instead of active" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only show silence ids" };
        var createdBy = new Option<string>("--created-by") { Description = "Show silences that belong to this creator" };
        var within = new Option<string>("--within") { Description = "Show silences that will expire or have expired within a duration" };
        var matchers = AmtoolGlobalOptions.MatcherGroups("Query filter");
        var command = new Command("query", "Query silences (amtool silence query)") { expired, quiet, createdBy, within, matchers };
        global.AddTo(command);
        command.SetAction((r, ct) => global.RunAsync(r, (session, ct) => session.SilenceQueryAsync(
            new SilenceQueryOptions(r.GetValue(expired), r.GetValue(quiet), r.GetValue(createdBy) ?? string.Empty, r.GetValue(matchers) ?? [],
                r.GetValue(within) is { Length: > 0 } w ? AmtoolSession.ParseGoDuration(w) : TimeSpan.Zero),
            r.Out(), ct), ct));
        return command;
    }
}

/// <summary><c>alerting silence expire ID...</c>.</summary>
public sealed class SilenceExpireCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["silence"];

    public Command Create()
    {
        var global = new AmtoolGlobalOptions();
        var ids = new Argument<string[]>("silence-ids") { Description = "Ids of silences to expire", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("expire", "expire an alertmanager silence (amtool silence expire)") { ids };
        global.AddTo(command);
        command.SetAction((r, ct) => global.RunAsync(r, (session, ct) => session.SilenceExpireAsync(r.GetValue(ids) ?? [], ct), ct));
        return command;
    }
}

/// <summary><c>alerting silence import [FILE]</c>: posts the silences of <c>silence query -o json</c> output.</summary>
public sealed class SilenceImportCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["silence"];

    public Command Create()
    {
        var global = new AmtoolGlobalOptions();
        var force = new Option<bool>("--force", "-f") { Description = "Force adding new silences even if it already exists" };
        var workers = new Option<int>("--worker", "-w") { Description = "Number of concurrent workers to use for import", DefaultValueFactory = _ => 8 };
        var file = new Argument<string>("input-file") { Description = "JSON file with silences (default: stdin)", Arity = ArgumentArity.ZeroOrOne };
        AmtoolGlobalOptions.MustExist(file);
        var command = new Command("import", "Import silences from JSON file or stdin (amtool silence import)") { force, workers, file };
        global.AddTo(command);
        command.SetAction((r, ct) => global.RunAsync(r, async (session, ct) =>
        {
            var path = r.GetValue(file);
            await using var input = string.IsNullOrEmpty(path) ? Console.OpenStandardInput() : File.OpenRead(path);
            await session.SilenceImportAsync(new SilenceImportOptions(r.GetValue(force), r.GetValue(workers)), input, r.Out(), ct).ConfigureAwait(false);
        }, ct));
        return command;
    }
}

/// <summary>
/// amtool's global flags on each of its verbs (<c>--alertmanager.url</c>, <c>--http.config.file</c>,
/// <c>-o</c>, <c>--date.format</c>, <c>--timeout</c>, <c>--no-version-check</c>) and how a verb runs:
/// errors print as <c>alerting: error: ...</c> with exit code 1, as amtool's do.
/// </summary>
internal sealed class AmtoolGlobalOptions
{
    private readonly Option<string> _url = new("--alertmanager.url") { Description = "Alertmanager (or this app's /api/alertmanager) to talk to" };
    private readonly Option<string> _httpConfig = new("--http.config.file") { Description = "HTTP client configuration file (authorization, basic_auth, tls_config) to connect with" };
    private readonly Option<string> _output = new("--output", "-o") { Description = "Output formatter (simple, extended, json)", DefaultValueFactory = _ => "simple" };
    private readonly Option<string> _dateFormat = new("--date.format") { Description = "Format of date output", DefaultValueFactory = _ => AmtoolOutput.DefaultDateFormat };
    private readonly Option<string> _timeout = new("--timeout") { Description = "Timeout for the executed command", DefaultValueFactory = _ => "30s" };
    private readonly Option<bool> _noVersionCheck = new("--no-version-check") { Description = "Do not compare the server's version with ours" };

    public AmtoolGlobalOptions()
    {
        _output.AcceptOnlyFromAmong([.. AmtoolOutput.Formats]);
        MustExist(_httpConfig);
    }

    /// <summary>kingpin's ExistingFile, with its message.</summary>
    public static void MustExist(Option<string> option) => option.Validators.Add(r => Check(r.GetValueOrDefault<string>(), r.AddError));

    public static void MustExist(Argument<string> argument) => argument.Validators.Add(r => Check(r.GetValueOrDefault<string>(), r.AddError));

    private static void Check(string? path, Action<string> error)
    {
        if (!string.IsNullOrEmpty(path) && !File.Exists(path))
        {
            error($"path '{path}' does not exist");
        }
    }

    public static Argument<string[]> MatcherGroups(string description) =>
        new("matcher-groups") { Description = description, Arity = ArgumentArity.ZeroOrMore };

    public void AddTo(Command command)
    {
        command.Options.Add(_url);
        command.Options.Add(_httpConfig);
        command.Options.Add(_output);
        command.Options.Add(_dateFormat);
        command.Options.Add(_timeout);
        command.Options.Add(_noVersionCheck);
    }

    public async Task<int> RunAsync(ParseResult result, Func<AmtoolSession, CancellationToken, Task> verb, CancellationToken ct)
    {
        try
        {
            var timeout = AmtoolSession.ParseGoDuration(result.GetValue(_timeout) ?? "30s");
            Uri? url = null;
            if (result.GetValue(_url) is { Length: > 0 } text && !Uri.TryCreate(text, UriKind.Absolute, out url))
            {
                throw new AmtoolException($"invalid URL for --alertmanager.url: {text}");
            }
            var settings = new AmtoolSettings(url, result.GetValue(_httpConfig))
            {
                Output = result.GetValue(_output) ?? "simple",
                DateFormat = result.GetValue(_dateFormat) ?? AmtoolOutput.DefaultDateFormat,
                Timeout = timeout,
                VersionCheck = !result.GetValue(_noVersionCheck),
            };
            using var session = new AmtoolSession(settings, TimeProvider.System, result.Err());
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(timeout);
            try
            {
                await verb(session, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new AmtoolException("context deadline exceeded");
            }
            return 0;
        }
        catch (AmtoolException e)
        {
            await result.Err().WriteAsync($"alerting: error: {e.Message}\n").ConfigureAwait(false);
            return 1;
        }
        catch (IOException e)
        {
            await result.Err().WriteAsync($"alerting: error: {e.Message}\n").ConfigureAwait(false);
            return 1;
        }
    }
}
