using Alerting.Core.Collection.Json;
using Alerting.Core.Collection.Probe;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Collection.Config;

/// <summary>YAML for our extensions to scrape_config: <c>json_exporter</c> and <c>http_probe</c>.</summary>
internal static class ExtensionParsers
{
    public static JsonMapping ParseJsonMapping(YamlReader r, YamlNode node, string path)
    {
        _ = r.Entries(node, path).ToArray();
        return new JsonMapping();
    }

    public static HttpProbeConfig ParseHttpProbe(YamlReader r, YamlNode node, string path)
    {
        _ = r.Entries(node, path).ToArray();
        return new HttpProbeConfig();
    }
}
