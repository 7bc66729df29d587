using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Core.Templating;

namespace Alerting.Tooling.Amtool;

/// <summary>amtool's global flags.</summary>
public sealed record AmtoolSettings(Uri? AlertmanagerUrl, string? HttpConfigFile = null)
{
    public string Output { get; init; } = "simple";

    public string DateFormat { get; init; } = AmtoolOutput.DefaultDateFormat;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public bool VersionCheck { get; init; } = true;
}

/// <summary><c>alert query</c>'s flags and matcher groups.</summary>
public sealed record AlertQueryOptions(bool Inhibited, bool Silenced, bool Active, bool Unprocessed, string Receiver, IReadOnlyList<string> MatcherGroups);

/// <summary><c>alert add</c>'s labels and flags (times as RFC 3339 text, empty when not given).</summary>
public sealed record AlertAddOptions(IReadOnlyList<string> Labels, IReadOnlyList<string> Annotations, string GeneratorUrl, string Start, string End);

/// <summary><c>silence add</c>'s flags and matcher groups.</summary>
public sealed record SilenceAddOptions(string Author, bool RequireComment, string Duration, string Start, string End, string Comment, IReadOnlyList<string> Matchers);

/// <summary><c>silence query</c>'s flags and matcher groups.</summary>
public sealed record SilenceQueryOptions(bool Expired, bool Quiet, string CreatedBy, IReadOnlyList<string> Matchers, TimeSpan Within);

/// <summary><c>silence import</c>'s flags.</summary>
public sealed record SilenceImportOptions(bool Force, int Workers);

/// <summary>
/// amtool 0.25's <c>alert query|add</c> and <c>silence add|query|expire|import</c> as plain methods any
/// command-line front end can call: the same argument rules (a first argument without an operator is
/// the alertname), the same requests to the v2 API, the same client-side filters and the same output.
/// Errors throw <see cref="AmtoolException"/> with amtool's message; arguments are checked before
/// anything is sent, as amtool checks them.
/// </summary>
public sealed class AmtoolSession(AmtoolSettings settings, TimeProvider time, TextWriter stderr) : IDisposable
{
    /// <summary>The Alertmanager release whose API and amtool this session follows.</summary>
    public const string Version = "0.25.0";

    private readonly AmtoolOutput _output = new(settings.Output, settings.DateFormat);
    private AmtoolClient? _client;

    /// <summary>Connects on first use and, unless disabled, warns (once) when the server's major.minor differs.</summary>
    private async Task<AmtoolClient> ClientAsync(CancellationToken ct)
    {
        if (_client is not null)
        {
            return _client;
        }
        if (settings.AlertmanagerUrl is null)
        {
            throw new AmtoolException("required flag --alertmanager.url not provided");
        }
        _client = AmtoolClient.Create(settings.AlertmanagerUrl, settings.HttpConfigFile, settings.Timeout);
        if (settings.VersionCheck)
        {
            try
            {
                var status = await _client.GetStatusAsync(ct).ConfigureAwait(false);
                if (status["versionInfo"]?["version"]?.GetValue<string>() is { Length: > 0 } version && MajorMinor(version) != MajorMinor(Version))
                {
                    await stderr.WriteAsync($"Warning: amtool version ({Version}) and alertmanager version ({version}) are different.\n").ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is AmtoolException or InvalidOperationException or JsonException)
            {
                // As amtool: no version information, carry on.
            }
        }
        return _client;

        static string MajorMinor(string v) => string.Join('.', v.TrimStart('v').Split('-', '+')[0].Split('.').Take(2));
    }

    public async Task AlertQueryAsync(AlertQueryOptions options, TextWriter stdout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stdout);
        var groups = WithAlertname(options.MatcherGroups, g => TryParseMatcher(g) is not null);
        // No state flag means active alerts only.
        var active = options.Active || !(options.Silenced || options.Inhibited || options.Unprocessed);
        var query = new List<KeyValuePair<string, string>>
        {
            new("active", Bool(active)),
            new("inhibited", Bool(options.Inhibited)),
            new("silenced", Bool(options.Silenced)),
            new("unprocessed", Bool(options.Unprocessed)),
        };
        if (options.Receiver.Length > 0)
        {
            query.Add(new("receiver", options.Receiver));
        }
        query.AddRange(groups.Select(g => KeyValuePair.Create("filter", g)));
        var client = await ClientAsync(ct).ConfigureAwait(false);
        var alerts = await client.GetAlertsAsync(query, ct).ConfigureAwait(false);
        _output.WriteAlerts(alerts.ToArray(), stdout);

        static string Bool(bool b) => b ? "true" : "false";
    }

    public async Task AlertAddAsync(AlertAddOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var labels = ParseLabels(WithAlertname(options.Labels, l => TryParseLabels([l])));
        var annotations = ParseLabels(options.Annotations);
        var alert = new JsonObject { ["labels"] = labels, ["annotations"] = annotations };
        if (options.Start.Length > 0)
        {
            alert["startsAt"] = ApiTime(ParseRfc3339(options.Start));
        }
        if (options.End.Length > 0)
        {
            alert["endsAt"] = ApiTime(ParseRfc3339(options.End));
        }
        if (options.GeneratorUrl.Length > 0)
        {
            alert["generatorURL"] = options.GeneratorUrl;
        }
        var client = await ClientAsync(ct).ConfigureAwait(false);
        await client.PostAlertsAsync([alert], ct).ConfigureAwait(false);
    }

    public async Task SilenceAddAsync(SilenceAddOptions options, TextWriter stdout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stdout);
        var matchers = WithAlertname(options.Matchers, m => TryParseMatcher(m) is not null).Select(ParseMatcher).ToArray();
        if (matchers.Length < 1)
        {
            throw new AmtoolException("no matchers specified");
        }
        var startsAt = options.Start.Length > 0 ? ParseRfc3339(options.Start) : time.GetUtcNow();
        DateTimeOffset endsAt;
        if (options.End.Length > 0)
        {
            endsAt = ParseRfc3339(options.End);
        }
        else
        {
            if (!PromDuration.TryParse(options.Duration, out var d))
            {
                throw new AmtoolException(options.Duration.Length == 0 ? "empty duration string" : $"not a valid duration string: \"{options.Duration}\"");
            }
            if (d == TimeSpan.Zero)
            {
                throw new AmtoolException("silence duration must be greater than 0");
            }
            endsAt = startsAt.ToUniversalTime() + d;
        }
        if (startsAt > endsAt)
        {
            throw new AmtoolException("silence cannot start after it ends");
        }
        if (options.RequireComment && options.Comment.Length == 0)
        {
            throw new AmtoolException("comment required by config");
        }
        var silence = new JsonObject
        {
            ["comment"] = options.Comment,
            ["createdBy"] = options.Author,
            ["endsAt"] = ApiTime(endsAt),
            ["matchers"] = new JsonArray(matchers.Select(m => (JsonNode)new JsonObject
            {
                ["isEqual"] = m.Type is MatcherType.Equal or MatcherType.Regex,
                ["isRegex"] = m.Type is MatcherType.Regex or MatcherType.NotRegex,
                ["name"] = m.Name,
                ["value"] = m.Value,
            }).ToArray()),
            ["startsAt"] = ApiTime(startsAt),
        };
        var client = await ClientAsync(ct).ConfigureAwait(false);
        var id = await PostAsync(client, silence, ct).ConfigureAwait(false);
        await stdout.WriteAsync(id + "\n").ConfigureAwait(false);
    }

    public async Task SilenceQueryAsync(SilenceQueryOptions options, TextWriter stdout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stdout);
        var filter = WithAlertname(options.Matchers, m => TryParseMatcher(m) is not null);
        var client = await ClientAsync(ct).ConfigureAwait(false);
        var silences = await client.GetSilencesAsync(filter, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var shown = new List<JsonNode?>();
        foreach (var s in silences)
        {
            var endsAt = AmtoolOutput.ParseTime(s?["endsAt"]?.GetValue<string>() ?? string.Empty);
            if ((!options.Expired && endsAt < now)
                || (options.Expired && endsAt > now)
                || (!options.Expired && options.Within > TimeSpan.Zero && endsAt > now + options.Within)
                || (options.Expired && options.Within > TimeSpan.Zero && endsAt < now - options.Within)
                || (options.CreatedBy.Length > 0 && s?["createdBy"]?.GetValue<string>() != options.CreatedBy))
            {
                continue;
            }
            shown.Add(s);
        }
        if (options.Quiet)
        {
            AmtoolOutput.WriteIds(shown, stdout);
        }
        else
        {
            _output.WriteSilences(shown, stdout);
        }
    }

    public async Task SilenceExpireAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count < 1)
        {
            throw new AmtoolException("no silence IDs specified");
        }
        var client = await ClientAsync(ct).ConfigureAwait(false);
        foreach (var id in ids)
        {
            await client.ExpireSilenceAsync(id, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Posts every silence of a JSON array (as <c>silence query -o json</c> writes it) with
    /// <see cref="SilenceImportOptions.Workers"/> requests in flight, printing each new id; an id the
    /// server does not know is created anew, and <c>--force</c> always creates.
    /// </summary>
    public async Task SilenceImportAsync(SilenceImportOptions options, Stream input, TextWriter stdout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(stdout);
        JsonArray silences;
        try
        {
            silences = JsonNode.Parse(input) as JsonArray ?? throw new AmtoolException("couldn't unmarshal input data, is it JSON?: expected a JSON array of silences");
        }
        catch (JsonException e)
        {
            throw new AmtoolException("couldn't unmarshal input data, is it JSON?: " + e.Message);
        }
        var postable = silences.Select(s => Postable(s, options.Force)).ToArray();
        var client = await ClientAsync(ct).ConfigureAwait(false);
        var failed = 0;
        var gate = new object();
        await Parallel.ForEachAsync(postable, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Workers), CancellationToken = ct }, async (silence, token) =>
        {
            var id = silence["id"]?.GetValue<string>() ?? string.Empty;
            try
            {
                var created = await PostAsync(client, silence, token).ConfigureAwait(false);
                lock (gate)
                {
                    stdout.Write(created + "\n");
                }
            }
            catch (AmtoolException e)
            {
                lock (gate)
                {
                    failed++;
                    stderr.Write($"Error adding silence id='{id}': {e.Message}\n");
                }
            }
        }).ConfigureAwait(false);
        if (failed > 0)
        {
            throw new AmtoolException($"couldn't import {failed} out of {postable.Length} silences");
        }
    }

    // A silence the server does not know (posted with its id) is created as a new one, as amtool's import does.
    private static async Task<string> PostAsync(AmtoolClient client, JsonObject silence, CancellationToken ct)
    {
        try
        {
            return await client.PostSilenceAsync(silence, ct).ConfigureAwait(false);
        }
        catch (SilenceNotFoundException) when (silence["id"] is not null)
        {
            var fresh = (JsonObject)silence.DeepClone();
            fresh.Remove("id");
            return await client.PostSilenceAsync(fresh, ct).ConfigureAwait(false);
        }
        catch (SilenceNotFoundException e)
        {
            throw new AmtoolException(e.Message);
        }
    }

    private static JsonObject Postable(JsonNode? s, bool force)
    {
        var o = new JsonObject();
        if (!force && s?["id"] is JsonValue id && id.GetValue<string>().Length > 0)
        {
            o["id"] = id.GetValue<string>();
        }
        foreach (var field in new[] { "comment", "createdBy", "endsAt", "matchers", "startsAt" })
        {
            if (s?[field] is { } value)
            {
                o[field] = value.DeepClone();
            }
        }
        return o;
    }

    /// <summary>amtool's shortcut: a first argument that does not parse is the value of <c>alertname</c>.</summary>
    private static List<string> WithAlertname(IReadOnlyList<string> args, Func<string, bool> parses)
    {
        var list = args.ToList();
        if (list.Count > 0 && !parses(list[0]))
        {
            list[0] = "alertname=" + list[0];
        }
        return list;
    }

    private static LabelMatcher? TryParseMatcher(string text)
    {
        try
        {
            return MatcherParser.Parse(text);
        }
        catch (MatcherParseException)
        {
            return null;
        }
    }

    private static LabelMatcher ParseMatcher(string text)
    {
        try
        {
            return MatcherParser.Parse(text);
        }
        catch (MatcherParseException e)
        {
            throw new AmtoolException(e.Message);
        }
    }

    private static bool TryParseLabels(IReadOnlyList<string> args)
    {
        try
        {
            ParseLabels(args);
            return true;
        }
        catch (AmtoolException)
        {
            return false;
        }
    }

    /// <summary>amtool's <c>parseLabels</c>: every argument an equality matcher, later names winning.</summary>
    private static JsonObject ParseLabels(IReadOnlyList<string> args)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var arg in args)
        {
            var m = ParseMatcher(arg);
            if (m.Type != MatcherType.Equal)
            {
                throw new AmtoolException("labels must be specified as key=value pairs");
            }
            labels[m.Name] = m.Value;
        }
        var o = new JsonObject();
        foreach (var (name, value) in labels)
        {
            o[name] = value;
        }
        return o;
    }

    // strfmt.DateTime as go-swagger's client sends it: milliseconds, the time's own offset.
    private static string ApiTime(DateTimeOffset t) => GoTime.Format("2006-01-02T15:04:05.000Z07:00", t);

    /// <summary>
    /// Go's <c>time.Parse(time.RFC3339, s)</c>: element by element, so a failure names the element as Go
    /// does (<c>cannot parse "x" as "2006"</c>, <c>month out of range</c>, <c>extra text</c>). Go also
    /// accepts a fractional second and a one-digit hour here.
    /// </summary>
    public static DateTimeOffset ParseRfc3339(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        const string layout = "2006-01-02T15:04:05Z07:00";
        var value = text;
        AmtoolException Bad(string element) =>
            new($"parsing time {MatcherParser.GoQuote(text)} as \"{layout}\": cannot parse {MatcherParser.GoQuote(value)} as {MatcherParser.GoQuote(element)}");
        AmtoolException Range(string what) => new($"parsing time {MatcherParser.GoQuote(text)}: {what} out of range");
        int Number(string element, bool fixedWidth)
        {
            if (value.Length == 0 || !char.IsAsciiDigit(value[0]))
            {
                throw Bad(element);
            }
            var digits = value.Length > 1 && char.IsAsciiDigit(value[1]) ? 2 : fixedWidth ? throw Bad(element) : 1;
            var n = int.Parse(value.AsSpan(0, digits), CultureInfo.InvariantCulture);
            value = value[digits..];
            return n;
        }
        void Literal(string expected)
        {
            if (!value.StartsWith(expected, StringComparison.Ordinal))
            {
                throw Bad(expected);
            }
            value = value[expected.Length..];
        }

        if (value.Length < 4 || !value[..4].All(char.IsAsciiDigit))
        {
            throw Bad("2006");
        }
        var year = int.Parse(value.AsSpan(0, 4), CultureInfo.InvariantCulture);
        value = value[4..];
        Literal("-");
        var month = Number("01", true);
        if (month is < 1 or > 12)
        {
            throw Range("month");
        }
        Literal("-");
        var day = Number("02", true);
        Literal("T");
        var hour = Number("15", false);
        if (hour >= 24)
        {
            throw Range("hour");
        }
        Literal(":");
        var minute = Number("04", true);
        if (minute >= 60)
        {
            throw Range("minute");
        }
        Literal(":");
        var second = Number("05", true);
        if (second >= 60)
        {
            throw Range("second");
        }
        long fractionTicks = 0;
        if (value.Length >= 2 && value[0] is '.' or ',' && char.IsAsciiDigit(value[1]))
        {
            var n = 1;
            while (n < value.Length && char.IsAsciiDigit(value[n]))
            {
                n++;
            }
            var digits = value[1..n];
            fractionTicks = long.Parse(digits.PadRight(7, '0')[..7], CultureInfo.InvariantCulture);
            value = value[n..];
        }
        TimeSpan offset;
        if (value.StartsWith('Z'))
        {
            offset = TimeSpan.Zero;
            value = value[1..];
        }
        else if (value.Length >= 6 && value[0] is '+' or '-' && value[3] == ':'
            && int.TryParse(value.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var oh)
            && int.TryParse(value.AsSpan(4, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var om))
        {
            offset = new TimeSpan(oh, om, 0) * (value[0] == '-' ? -1 : 1);
            value = value[6..];
        }
        else
        {
            throw Bad("Z07:00");
        }
        if (value.Length > 0)
        {
            throw new AmtoolException($"parsing time {MatcherParser.GoQuote(text)}: extra text: {MatcherParser.GoQuote(value)}");
        }
        if (day < 1 || day > DateTime.DaysInMonth(Math.Max(1, year), month))
        {
            throw Range("day");
        }
        return new DateTimeOffset(Math.Max(1, year), month, day, hour, minute, second, offset).AddTicks(fractionTicks);
    }

    /// <summary>Go's <c>time.ParseDuration</c> (what kingpin reads <c>--within</c> with): <c>1h30m</c>, <c>1.5h</c>, <c>90s</c>, <c>300ms</c>.</summary>
    public static TimeSpan ParseGoDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text;
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s == "0")
        {
            return TimeSpan.Zero;
        }
        if (s.Length == 0)
        {
            throw Invalid();
        }
        decimal nanos = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }
            var number = s[start..i];
            if (number.Length == 0 || number == "." || number.Count(c => c == '.') > 1)
            {
                throw Invalid();
            }
            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }
            decimal perUnit = s[unitStart..i] switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                "" => throw new AmtoolException($"time: missing unit in duration {MatcherParser.GoQuote(text)}"),
                var unit => throw new AmtoolException($"time: unknown unit {MatcherParser.GoQuote(unit)} in duration {MatcherParser.GoQuote(text)}"),
            };
            nanos += decimal.Parse(number.StartsWith('.') ? "0" + number : number, CultureInfo.InvariantCulture) * perUnit;
        }
        var ticks = (long)(nanos / 100);
        return TimeSpan.FromTicks(negative ? -ticks : ticks);

        AmtoolException Invalid() => new($"time: invalid duration {MatcherParser.GoQuote(text)}");
    }

    public void Dispose() => _client?.Dispose();
}
