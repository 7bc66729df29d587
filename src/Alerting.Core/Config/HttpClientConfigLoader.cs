namespace Alerting.Core.Config;

/// <summary>
/// A file holding one Prometheus <c>http_config</c> at its root, as <c>amtool --http.config.file</c> and
/// <c>promtool --http.config.file</c> read it: <c>authorization</c>, <c>basic_auth</c>,
/// <c>bearer_token(_file)</c>, <c>tls_config</c>, <c>oauth2</c>... with the same checks as in
/// <c>alertmanager.yml</c>. Relative file paths are resolved against the file's folder.
/// </summary>
public static class HttpClientConfigLoader
{
    public static HttpClientConfig LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path).ResolvePaths(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
    }

    public static HttpClientConfig Parse(string yaml, string file)
    {
        var (ctx, root) = YamlContext.Load(yaml, file, YamlDialect.GoYamlV2);
        if (YamlMap.Open(ctx, root, string.Empty) is not { } m)
        {
            return HttpClientConfig.Default;
        }
        var fields = HttpClientConfigParser.ParseFields(m);
        m.Done();
        ctx.ThrowIfTypeErrors();
        return HttpClientConfigParser.Validate(m, fields);
    }
}
