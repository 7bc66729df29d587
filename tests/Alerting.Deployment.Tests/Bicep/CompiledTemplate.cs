using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Alerting.Deployment.Tests.Infrastructure;

namespace Alerting.Deployment.Tests.Bicep;

/// <summary>
/// infra/main.bicep compiled once by the real Bicep CLI, with the few look-ups the assertions need: resources
/// by type in the resource-group module, and ARM expressions that are plain variable references resolved.
/// </summary>
public sealed partial class CompiledTemplate
{
    private static readonly Lazy<Task<CompiledTemplate>> Shared = new(async () => new CompiledTemplate(await BicepCli.BuildAsync(Repo.File("infra", "main.bicep"))));

    private CompiledTemplate(JsonObject main)
    {
        Main = main;
        Module = Main["resources"]!.AsArray().Single(r => (string?)r!["type"] == "Microsoft.Resources/deployments")!["properties"]!["template"]!.AsObject();
    }

    public static Task<CompiledTemplate> LoadAsync() => Shared.Value;

    /// <summary>The subscription-scope template azd deploys.</summary>
    public JsonObject Main { get; }

    /// <summary>The resource-group module holding every resource of the app.</summary>
    public JsonObject Module { get; }

    public IReadOnlyList<JsonObject> Resources(string type) =>
        Module["resources"]!.AsArray().Where(r => string.Equals((string?)r!["type"], type, StringComparison.OrdinalIgnoreCase)).Select(r => r!.AsObject()).ToList();

    public JsonObject Single(string type) => Assert.Single(Resources(type));

    public JsonObject AppSettings =>
        Resources("Microsoft.Web/sites/config").Single(r => ((string?)r["name"])!.Contains("'appsettings'", StringComparison.Ordinal))["properties"]!.AsObject();

    /// <summary>A value with <c>[variables('x')]</c> (possibly nested) replaced by the variable's value.</summary>
    public JsonNode? Resolve(JsonNode? value)
    {
        for (var depth = 0; depth < 10 && value is JsonValue v && v.TryGetValue<string>(out var s) && VariableReference().Match(s) is { Success: true } m; depth++)
        {
            value = Module["variables"]![m.Groups[1].Value];
        }
        return value;
    }

    /// <summary>An expression with every <c>variables('roles').name</c> replaced by the role's GUID.</summary>
    public string WithRoleIds(string expression) =>
        RoleReference().Replace(expression, m => (string)Module["variables"]!["roles"]![m.Groups[1].Value]!);

    /// <summary>Secure parameters of the module, and the variables whose values carry one (not just test it for emptiness).</summary>
    public IReadOnlyList<string> SecretCarriers()
    {
        var secure = Module["parameters"]!.AsObject()
            .Where(p => string.Equals((string?)p.Value!["type"], "securestring", StringComparison.OrdinalIgnoreCase))
            .Select(p => $"parameters('{p.Key}')").ToList();
        var carriers = new List<string>(secure);
        foreach (var (name, value) in Module["variables"]!.AsObject())
        {
            if (CarriesAny(Text(value), secure))
            {
                carriers.Add($"variables('{name}')");
            }
        }
        return carriers;
    }

    /// <summary>True when <paramref name="text"/> uses one of <paramref name="references"/> other than inside <c>empty(...)</c>.</summary>
    public static bool CarriesAny(string text, IEnumerable<string> references) =>
        references.Any(r => text.Replace($"empty({r})", string.Empty, StringComparison.Ordinal).Contains(r, StringComparison.Ordinal));

    /// <summary>JSON text with ARM expressions readable as written (no \u0027 for quotes).</summary>
    public static string Text(JsonNode? node) => node?.ToJsonString(TextOptions) ?? "null";

    private static readonly JsonSerializerOptions TextOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [GeneratedRegex(@"^\[variables\('([A-Za-z0-9_]+)'\)\]$")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"variables\('roles'\)\.([A-Za-z0-9_]+)")]
    private static partial Regex RoleReference();
}
