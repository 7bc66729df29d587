using System.Text.RegularExpressions;

namespace Alerting.Core.Config;

/// <summary>The URL checks of Go's <c>net/url</c> and prometheus/common's URL type, with their messages.</summary>
public static partial class GoUrl
{
    /// <summary>The failures of Go's <c>url.Parse</c> that realistic config values hit; null when it parses.</summary>
    public static string? ParseError(string v)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (v.Any(c => c < 0x20 || c == 0x7f))
        {
            return $"parse \"{v}\": net/url: invalid control character in URL";
        }
        for (var i = 0; i < v.Length; i++)
        {
            var c = v[i];
            if (char.IsAsciiLetter(c) || (i > 0 && (char.IsAsciiDigit(c) || c is '+' or '-' or '.')))
            {
                continue;
            }
            if (c == ':')
            {
                return i == 0 ? $"parse \"{v}\": missing protocol scheme" : null;
            }
            break;
        }
        var firstSegment = v.Split('/', '?', '#')[0];
        return firstSegment.Contains(':', StringComparison.Ordinal) ? $"parse \"{v}\": first path segment in URL cannot contain colon" : null;
    }

    /// <summary>Alertmanager's URL type: it must parse, be http(s) and name a host.</summary>
    public static string? HttpUrlError(string v)
    {
        if (ParseError(v) is { } parseError)
        {
            return parseError;
        }
        var scheme = string.Empty;
        var colon = v.IndexOf(':', StringComparison.Ordinal);
        if (colon == 0)
        {
            return $"parse \"{v}\": missing protocol scheme";
        }
        if (colon > 0 && SchemePattern().IsMatch(v[..colon]))
        {
            scheme = v[..colon].ToLowerInvariant();
        }
        if (scheme is not ("http" or "https"))
        {
            return $"unsupported scheme \"{scheme}\" for URL";
        }
        var rest = v[(colon + 1)..];
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            return "missing host for URL";
        }
        var authority = rest[2..];
        var end = authority.IndexOfAny(['/', '?', '#']);
        if (end >= 0)
        {
            authority = authority[..end];
        }
        var at = authority.LastIndexOf('@');
        var host = at >= 0 ? authority[(at + 1)..] : authority;
        return host.Length == 0 ? "missing host for URL" : null;
    }

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9+.-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemePattern();
}
