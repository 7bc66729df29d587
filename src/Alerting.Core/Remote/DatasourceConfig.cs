using Alerting.Core.Config;
using Alerting.Core.Rules;

namespace Alerting.Core.Remote;

/// <summary>
/// The datasources file (<c>Alerting:DatasourcesPath</c>): Prometheus-compatible query endpoints that
/// rule groups evaluate against instead of the embedded store. Kept out of the rule files so those
/// stay loadable by Prometheus and <c>promtool check rules</c> unchanged.
/// </summary>
public sealed record DatasourcesConfig(IReadOnlyList<DatasourceConfig> Datasources)
{
    public static readonly DatasourcesConfig None = new([]);

    /// <summary>The datasource that evaluates <paramref name="group"/> (first match in file order), or null for the embedded store.</summary>
    public DatasourceConfig? For(RuleGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return Datasources.FirstOrDefault(d => d.Covers(group));
    }
}

/// <summary>One query endpoint: the base URL the Prometheus HTTP API lives under (<c>/api/v1/query</c> is appended).</summary>
public sealed record DatasourceConfig
{
    /// <summary>The Entra scope of an Azure Monitor workspace's query API.</summary>
    public const string AzureMonitorScope = "https://prometheus.monitor.azure.com/.default";

    public required string Name { get; init; }

    public required Uri Url { get; init; }

    /// <summary>Per attempt; Prometheus' query timeout is also sent as the <c>timeout</c> parameter.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Further attempts after a transient failure (connection error, timeout, 408, 429, 5xx).</summary>
    public int Retries { get; init; } = 2;

    /// <summary>Rule group names this datasource evaluates; <c>*</c> matches any run of characters.</summary>
    public IReadOnlyList<string> RuleGroups { get; init; } = [];

    /// <summary>Rule file paths (as loaded, or their file names) whose groups this datasource evaluates; globs as above.</summary>
    public IReadOnlyList<string> RuleFiles { get; init; } = [];

    public HttpClientConfig HttpConfig { get; init; } = HttpClientConfig.Default;

    /// <summary>Microsoft Entra tokens (Azure Monitor workspaces), as Prometheus' <c>azuread</c> block.</summary>
    public AzureAdConfig? AzureAd { get; init; }

    public bool Covers(RuleGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return RuleGroups.Any(p => Glob.IsMatch(p, group.Name))
            || RuleFiles.Any(p => Glob.IsMatch(p, group.File) || Glob.IsMatch(p, Path.GetFileName(group.File)));
    }
}

/// <summary>
/// Prometheus' <c>azuread</c>: a managed identity (its <c>client_id</c> for a user-assigned one) or,
/// without one, whatever <c>DefaultAzureCredential</c> finds (workload identity, Azure CLI locally).
/// </summary>
public sealed record AzureAdConfig(string Cloud, string? ManagedIdentityClientId, string Scope)
{
    private static readonly string[] Clouds = ["AzurePublic", "AzureChina", "AzureGovernment"];

    /// <summary>The <c>azuread</c> block of <paramref name="parent"/> (a datasource or a remote_write entry), or null.</summary>
    public static AzureAdConfig? Parse(YamlMap parent, string defaultScope = DatasourceConfig.AzureMonitorScope)
    {
        ArgumentNullException.ThrowIfNull(parent);
        if (parent.Map("azuread") is not { } azure)
        {
            return null;
        }
        var cloud = azure.String("cloud") ?? "AzurePublic";
        var mi = azure.Map("managed_identity");
        var clientId = mi?.String("client_id");
        mi?.Done();
        var scope = azure.String("scope") ?? defaultScope;
        azure.Done();
        if (!Clouds.Contains(cloud, StringComparer.Ordinal))
        {
            throw azure.Ctx.Error(azure.Get("cloud"), azure.KeyPath("cloud"), $"unknown cloud \"{cloud}\" (one of {string.Join(", ", Clouds)})");
        }
        return new AzureAdConfig(cloud, string.IsNullOrWhiteSpace(clientId) ? null : clientId, scope);
    }
}

internal static class Glob
{
    public static bool IsMatch(string pattern, string value) =>
        System.Text.RegularExpressions.Regex.IsMatch(value, "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}

/// <summary>Reads the datasources file with the same strictness and error positions as the other config files.</summary>
public static class DatasourcesConfigLoader
{
    public static DatasourcesConfig LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
    }

    public static DatasourcesConfig Parse(string yaml, string file, string baseDir = ".")
    {
        var (ctx, root) = YamlContext.Load(yaml, file, YamlDialect.GoYamlV2);
        if (YamlMap.Open(ctx, root, string.Empty) is not { } m)
        {
            return DatasourcesConfig.None;
        }
        var list = new List<DatasourceConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, path) in m.Items("datasources", "[]datasource"))
        {
            if (YamlMap.Open(ctx, node, path) is not { } d)
            {
                continue;
            }
            var name = d.String("name");
            var url = d.String("url");
            var timeout = d.Duration("timeout");
            var retries = d.Int("retries");
            var groups = d.StringList("rule_groups") ?? [];
            var files = d.StringList("rule_files") ?? [];
            var http = HttpClientConfigParser.Parse(d, "http_config");
            var azureAd = AzureAdConfig.Parse(d);
            d.Done();
            ctx.ThrowIfTypeErrors();
            if (string.IsNullOrWhiteSpace(name))
            {
                throw ctx.Error(node, path, "missing required key 'name'");
            }
            if (!names.Add(name))
            {
                throw ctx.Error(d.Get("name"), d.KeyPath("name"), $"datasource \"{name}\" is defined twice");
            }
            if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw ctx.Error(d.Get("url") ?? node, d.KeyPath("url"), $"datasource \"{name}\": url must be an absolute http or https URL");
            }
            if (timeout is { } t && t <= TimeSpan.Zero)
            {
                throw ctx.Error(d.Get("timeout"), d.KeyPath("timeout"), "timeout must be greater than zero");
            }
            if (retries is < 0 or > 10)
            {
                throw ctx.Error(d.Get("retries"), d.KeyPath("retries"), "retries must be between 0 and 10");
            }
            if (groups.Count == 0 && files.Count == 0)
            {
                throw ctx.Error(node, path, $"datasource \"{name}\" names no rule_groups or rule_files (use rule_groups: [\"*\"] for all)");
            }
            if (azureAd is not null && http is { } h && (h.Authorization is not null || h.BasicAuth is not null || h.OAuth2 is not null))
            {
                throw ctx.Error(d.Get("azuread"), d.KeyPath("azuread"), "at most one of azuread, basic_auth, authorization and oauth2 may be configured");
            }
            list.Add(new DatasourceConfig
            {
                Name = name,
                Url = uri,
                Timeout = timeout ?? TimeSpan.FromSeconds(30),
                Retries = (int)(retries ?? 2),
                RuleGroups = groups,
                RuleFiles = files,
                HttpConfig = (http ?? HttpClientConfig.Default).ResolvePaths(baseDir),
                AzureAd = azureAd,
            });
        }
        m.Done();
        ctx.ThrowIfTypeErrors();
        return new DatasourcesConfig(list);
    }
}
