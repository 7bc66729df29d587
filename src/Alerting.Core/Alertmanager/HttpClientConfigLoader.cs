using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Alertmanager;

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
        var config = new ConfigParser(path).ParseHttpConfigFile(File.ReadAllText(path));
        return config.ResolvePaths(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
    }
}

internal sealed partial class ConfigParser
{
    public HttpClientConfig ParseHttpConfigFile(string yaml)
    {
        // The file's root is what alertmanager.yml nests under a key; hang it under one so the one
        // http_config parser reads it (the nodes keep their own lines for error messages).
        var root = new YamlMappingNode { { new YamlScalarNode("http_config"), LoadYaml(yaml) ?? new YamlMappingNode() } };
        var parent = YamlMap.Open(_ctx, root, string.Empty)!;
        var config = ParseHttpConfig(parent, "http_config") ?? new HttpClientConfig();
        _ctx.ThrowIfTypeErrors();
        return config;
    }
}
