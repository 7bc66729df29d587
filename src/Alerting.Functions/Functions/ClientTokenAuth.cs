using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;

namespace Alerting.Functions.Functions;

/// <summary>
/// The check behind every route for clients that cannot send a function key (Prometheus'
/// <c>alerting.alertmanagers</c>, amtool, Grafana's data sources, Karma): they send an
/// <c>Authorization</c> header, which the Functions host ignores, so such routes are anonymous at the
/// host and call this first. The secret comes from an app setting and is accepted as a bearer token
/// (<c>Authorization: Bearer &lt;token&gt;</c>) or as the basic-auth password with any user name. The
/// setting may hold several tokens separated by <c>;</c> so one can be rotated without downtime. An unset
/// setting turns the route off.
/// </summary>
internal static class ClientTokenAuth
{
    /// <summary>Null when the request presents a configured token; otherwise the 401 to answer.</summary>
    public static IActionResult? Reject(HttpRequest req, IConfiguration configuration, string setting)
    {
        ArgumentNullException.ThrowIfNull(req);
        ArgumentNullException.ThrowIfNull(configuration);
        var appSetting = setting.Replace(":", "__", StringComparison.Ordinal);
        var expected = (configuration[setting] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (expected.Length == 0)
        {
            return Unauthorized(req, $"this route is disabled: app setting {appSetting} is not set");
        }
        var header = req.Headers.Authorization.ToString().Trim();
        if (header.Length == 0)
        {
            return Unauthorized(req, $"missing credentials: send the token of app setting {appSetting} as a bearer token or as the basic-auth password");
        }
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space < 0 ? header : header[..space];
        var value = space < 0 ? string.Empty : header[(space + 1)..].Trim();
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return Matches(value, expected) ? null : Unauthorized(req, "invalid bearer token");
        }
        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (BasicPassword(value) is not { } password)
            {
                return Unauthorized(req, "malformed basic-auth credentials: expected base64 of user:password");
            }
            return Matches(password, expected) ? null : Unauthorized(req, "invalid basic-auth password");
        }
        return Unauthorized(req, $"unsupported authorization scheme \"{scheme}\": use Bearer or Basic");
    }

    private static string? BasicPassword(string encoded)
    {
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : decoded[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // Compares against every configured token without stopping early, so timing reveals neither a
    // token's content nor which one matched.
    private static bool Matches(string presented, string[] expected)
    {
        var given = Encoding.UTF8.GetBytes(presented);
        var match = false;
        foreach (var token in expected)
        {
            match |= CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(token));
        }
        return match;
    }

    private static ObjectResult Unauthorized(HttpRequest req, string message)
    {
        // Tells clients (and people with curl) which credentials this route takes.
        req.HttpContext.Response.Headers.WWWAuthenticate = Challenge;
        return ApiResults.Error(StatusCodes.Status401Unauthorized, message);
    }

    private const string Challenge = "Bearer realm=\"Alerting.Functions\", Basic realm=\"Alerting.Functions\", charset=\"UTF-8\"";
}
