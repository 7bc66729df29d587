using System.Globalization;
using System.Text;

namespace Alerting.Fakes.Jira;

/// <summary>
/// The part of JQL (Atlassian's "Advanced searching" reference) a Jira integration needs: clauses on
/// project, labels, status, statusCategory, resolution and resolutiondate with =, !=, &gt;=, &lt;=, &gt;, &lt;,
/// <c>is [not] EMPTY</c>, relative dates (<c>-60m</c>), AND/OR/NOT, parentheses and <c>order by</c>. Anything
/// else is refused as Jira refuses it, with its message.
/// </summary>
internal sealed class JiraJql
{
    private static readonly HashSet<string> Fields = new(StringComparer.OrdinalIgnoreCase) { "project", "labels", "status", "statuscategory", "resolution", "resolutiondate", "key" };

    private readonly List<string> _tokens;
    private int _at;

    private JiraJql(List<string> tokens) => _tokens = tokens;

    public Func<JiraIssue, bool> Filter { get; private init; } = _ => true;

    public IReadOnlyList<(string Field, bool Descending)> Order { get; private init; } = [];

    /// <summary>Parses <paramref name="jql"/>; <paramref name="projectExists"/> judges project values, <paramref name="now"/> anchors relative dates.</summary>
    /// <exception cref="JqlException">Jira's error text.</exception>
    public static JiraJql Parse(string jql, Func<string, bool> projectExists, DateTimeOffset now)
    {
        var p = new JiraJql(Tokenize(jql));
        Func<JiraIssue, bool> filter = _ => true;
        if (p.Peek() is { } first && !p.IsWord(first, "order"))
        {
            filter = p.ParseOr(projectExists, now);
        }
        var order = new List<(string, bool)>();
        if (p.Peek() is not null)
        {
            p.Expect("order");
            p.Expect("by");
            do
            {
                var field = p.Next() ?? throw new JqlException("Error in the JQL Query: Expecting a field name but got the end of the query.");
                if (!Fields.Contains(field))
                {
                    throw new JqlException($"Not able to sort using field '{field}'.");
                }
                var desc = false;
                if (p.Peek() is { } dir && (p.IsWord(dir, "asc") || p.IsWord(dir, "desc")))
                {
                    desc = p.IsWord(p.Next()!, "desc");
                }
                order.Add((field.ToLowerInvariant(), desc));
            }
            while (p.Peek() == "," && p.Next() is not null);
            if (p.Peek() is { } extra)
            {
                throw new JqlException($"Error in the JQL Query: Expecting either ',' or the end of the query but got '{extra}'.");
            }
        }
        return new JiraJql([]) { Filter = filter, Order = order };
    }

    private Func<JiraIssue, bool> ParseOr(Func<string, bool> projectExists, DateTimeOffset now)
    {
        var left = ParseAnd(projectExists, now);
        while (Peek() is { } t && IsWord(t, "or"))
        {
            Next();
            var (l, r) = (left, ParseAnd(projectExists, now));
            left = i => l(i) || r(i);
        }
        return left;
    }

    private Func<JiraIssue, bool> ParseAnd(Func<string, bool> projectExists, DateTimeOffset now)
    {
        var left = ParseUnary(projectExists, now);
        while (Peek() is { } t && IsWord(t, "and"))
        {
            Next();
            var (l, r) = (left, ParseUnary(projectExists, now));
            left = i => l(i) && r(i);
        }
        return left;
    }

    private Func<JiraIssue, bool> ParseUnary(Func<string, bool> projectExists, DateTimeOffset now)
    {
        var t = Peek() ?? throw new JqlException("Error in the JQL Query: Expecting a field name but got the end of the query.");
        if (IsWord(t, "not"))
        {
            Next();
            var inner = ParseUnary(projectExists, now);
            return i => !inner(i);
        }
        if (t == "(")
        {
            Next();
            var inner = ParseOr(projectExists, now);
            Expect(")");
            return inner;
        }
        return ParseClause(projectExists, now);
    }

    private Func<JiraIssue, bool> ParseClause(Func<string, bool> projectExists, DateTimeOffset now)
    {
        var field = Unquote(Next()!);
        if (!Fields.Contains(field))
        {
            throw new JqlException($"Field '{field}' does not exist or you do not have permission to view it.");
        }
        field = field.ToLowerInvariant();
        var op = Next() ?? throw new JqlException("Error in the JQL Query: Expecting operator but got the end of the query.");
        if (IsWord(op, "is"))
        {
            var negate = false;
            if (Peek() is { } n && IsWord(n, "not"))
            {
                Next();
                negate = true;
            }
            var empty = Next();
            if (empty is null || !(IsWord(empty, "empty") || IsWord(empty, "null")))
            {
                throw new JqlException($"Error in the JQL Query: Expecting 'EMPTY' or 'NULL' but got '{empty}'.");
            }
            return i => (Value(i, field) is null) != negate;
        }
        if (op is not ("=" or "!=" or ">=" or "<=" or ">" or "<"))
        {
            throw new JqlException($"Error in the JQL Query: Expecting operator but got '{op}'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.");
        }
        var raw = Next() ?? throw new JqlException("Error in the JQL Query: Expecting either a value, list or function but got the end of the query.");
        var value = Unquote(raw);
        if (field == "resolutiondate")
        {
            var when = Date(value, now);
            return i =>
            {
                if (i.ResolutionDate is not { } d)
                {
                    return false;
                }
                var c = d.CompareTo(when);
                return op switch { "=" => c == 0, "!=" => c != 0, ">=" => c >= 0, "<=" => c <= 0, ">" => c > 0, _ => c < 0 };
            };
        }
        if (op is not ("=" or "!="))
        {
            throw new JqlException($"The operator '{op}' is not supported by the '{field}' field.");
        }
        if (field == "project" && !projectExists(value))
        {
            throw new JqlException($"The value '{value}' does not exist for the field 'project'.");
        }
        var equal = op == "=";
        return i =>
        {
            if (field == "labels")
            {
                // "labels != x" keeps issues without labels out, as for every empty field.
                return i.Labels.Count > 0 && i.Labels.Contains(value) == equal;
            }
            var v = Value(i, field);
            return v is not null && string.Equals(v, value, StringComparison.OrdinalIgnoreCase) == equal;
        };
    }

    private static string? Value(JiraIssue i, string field) => field switch
    {
        "project" => i.Project,
        "key" => i.Key,
        "status" => i.Status.Name,
        "statuscategory" => i.Status.CategoryName,
        "resolution" => i.Resolution,
        "resolutiondate" => i.ResolutionDate?.ToString("O", CultureInfo.InvariantCulture),
        "labels" => i.Labels.Count == 0 ? null : string.Join(' ', i.Labels),
        _ => null,
    };

    private static DateTimeOffset Date(string value, DateTimeOffset now)
    {
        if (value.Length > 1 && (value[0] is '-' or '+') && value[^1] is 'm' or 'h' or 'd' or 'w'
            && long.TryParse(value[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            var span = value[^1] switch { 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), 'd' => TimeSpan.FromDays(n), _ => TimeSpan.FromDays(7 * n) };
            return value[0] == '-' ? now - span : now + span;
        }
        string[] formats = ["yyyy-MM-dd HH:mm", "yyyy/MM/dd HH:mm", "yyyy-MM-dd", "yyyy/MM/dd"];
        if (DateTimeOffset.TryParseExact(value, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
        {
            return d;
        }
        throw new JqlException($"Date value '{value}' for field 'resolutiondate' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.");
    }

    private string? Peek() => _at < _tokens.Count ? _tokens[_at] : null;

    private string? Next() => _at < _tokens.Count ? _tokens[_at++] : null;

    private bool IsWord(string token, string word) => string.Equals(token, word, StringComparison.OrdinalIgnoreCase);

    private void Expect(string word)
    {
        var t = Next();
        if (t is null || !IsWord(t, word))
        {
            throw new JqlException($"Error in the JQL Query: Expecting '{word}' but got '{t ?? "the end of the query"}'.");
        }
    }

    private static string Unquote(string token)
    {
        if (token.Length < 2 || token[0] is not ('"' or '\''))
        {
            return token;
        }
        var sb = new StringBuilder();
        for (var i = 1; i < token.Length - 1; i++)
        {
            if (token[i] == '\\' && i + 1 < token.Length - 1)
            {
                i++;
            }
            sb.Append(token[i]);
        }
        return sb.ToString();
    }

    private static List<string> Tokenize(string jql)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < jql.Length)
        {
            var c = jql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c is '(' or ')' or ',')
            {
                tokens.Add(c.ToString());
                i++;
                continue;
            }
            if (c is '"' or '\'')
            {
                var start = i++;
                while (i < jql.Length && jql[i] != c)
                {
                    i += jql[i] == '\\' ? 2 : 1;
                }
                if (i >= jql.Length)
                {
                    throw new JqlException($"Error in the JQL Query: The quoted string '{jql[(start + 1)..]}' has not been completed.");
                }
                tokens.Add(jql[start..++i]);
                continue;
            }
            if (c is '=' or '!' or '<' or '>')
            {
                var op = i + 1 < jql.Length && jql[i + 1] == '=' ? jql.Substring(i, 2) : c.ToString();
                if (op == "!")
                {
                    throw new JqlException("Error in the JQL Query: The character '!' is a reserved JQL character.");
                }
                tokens.Add(op);
                i += op.Length;
                continue;
            }
            var s = i;
            while (i < jql.Length && !char.IsWhiteSpace(jql[i]) && jql[i] is not ('(' or ')' or ',' or '=' or '!' or '<' or '>' or '"' or '\''))
            {
                i++;
            }
            var word = jql[s..i];
            if (word.Contains('{', StringComparison.Ordinal) || word.Contains('}', StringComparison.Ordinal))
            {
                throw new JqlException($"Error in the JQL Query: The character '{(word.Contains('{', StringComparison.Ordinal) ? '{' : '}')}' is a reserved JQL character. You must enclose it in a string or use the escape '\\u{(word.Contains('{', StringComparison.Ordinal) ? "007b" : "007d")}' instead.");
            }
            tokens.Add(word);
        }
        return tokens;
    }
}

/// <summary>A JQL query Jira refuses (400 with the message in <c>errorMessages</c>).</summary>
internal sealed class JqlException(string message) : Exception(message);
