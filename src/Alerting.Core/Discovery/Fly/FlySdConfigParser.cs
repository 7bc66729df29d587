using Alerting.Core.Config;

namespace Alerting.Core.Discovery.Fly;

/// <summary>
/// <c>fly_sd_configs[]</c> read with the scrape config's strictness: unknown keys and wrong types are
/// listed together, a missing <c>org</c> or an unusable value aborts with the key's position.
/// </summary>
internal static class FlySdConfigParser
{
    public static FlySdConfig? Parse(YamlContext ctx, YamlNode node, string path)
    {
        var m = YamlMap.Open(ctx, node, path, "fly.SDConfig");
        if (m is null)
        {
            return null;
        }
        var org = m.String("org");
        var pattern = m.String("app_name_pattern");
        var token = m.String("token");
        var tokenFile = m.String("token_file");
        var url = m.String("url");
        var port = m.Int("port");
        var refresh = m.Duration("refresh_interval");
        m.Done();
        if (m.HadTypeErrors)
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(org))
        {
            throw ctx.Error(node, path + ".org", "fly_sd_configs needs org, the organisation slug (as `fly orgs list` shows it)");
        }
        if (pattern is { Length: 0 })
        {
            throw ctx.Error(m.At("app_name_pattern"), m.KeyPath("app_name_pattern"), "app_name_pattern is empty; leave it out to match every app");
        }
        if (!string.IsNullOrEmpty(token) && !string.IsNullOrEmpty(tokenFile))
        {
            throw ctx.Error(m.At("token_file"), m.KeyPath("token_file"), "at most one of token & token_file must be configured");
        }
        Uri? uri = null;
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0))
        {
            throw ctx.Error(m.At("url"), m.KeyPath("url"), $"url \"{url}\" is not an http or https URL");
        }
        if (port is { } p && p is < 1 or > 65535)
        {
            throw ctx.Error(m.At("port"), m.KeyPath("port"), $"port {p} is not between 1 and 65535");
        }
        if (refresh is { } r && r <= TimeSpan.Zero)
        {
            throw ctx.Error(m.At("refresh_interval"), m.KeyPath("refresh_interval"), "refresh_interval must be greater than 0");
        }
        var cfg = new FlySdConfig
        {
            Org = org,
            Token = string.IsNullOrEmpty(token) ? null : token,
            TokenFile = string.IsNullOrEmpty(tokenFile) ? null : tokenFile,
            Url = uri,
        };
        return cfg with
        {
            AppNamePattern = pattern ?? cfg.AppNamePattern,
            Port = (int)(port ?? cfg.Port),
            RefreshInterval = refresh ?? cfg.RefreshInterval,
        };
    }
}
