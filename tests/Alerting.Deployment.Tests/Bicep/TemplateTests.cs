using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Alerting.Deployment.Tests.Infrastructure;
using Alerting.Functions.Options;

namespace Alerting.Deployment.Tests.Bicep;

/// <summary>
/// The essentials of infra/ as Azure will see them: the Bicep compiled by the pinned Bicep CLI, then read as
/// the ARM JSON a deployment receives.
/// </summary>
public sealed partial class TemplateTests
{
    private static readonly IReadOnlyDictionary<string, string> DataPlaneRoles = new Dictionary<string, string>
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor",
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor",
        ["4633458b-17de-408a-b874-0445c86b69e6"] = "Key Vault Secrets User",
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher",
    };

    [BicepFact]
    public async Task The_template_compiles_and_lints_without_a_single_diagnostic()
    {
        await CompiledTemplate.LoadAsync();
        var (code, stdout, stderr) = await Repo.RunAsync(BicepCli.Path!, ["lint", "--pattern", "*.bicep"], TimeSpan.FromMinutes(5), Repo.File("infra"));
        Assert.True(code == 0 && (stdout + stderr).Trim().Length == 0, $"bicep lint exited {code}:\n{stdout}{stderr}");
    }

    [BicepFact]
    public async Task The_app_runs_on_the_Flex_Consumption_plan_as_a_Linux_function_app()
    {
        var t = await CompiledTemplate.LoadAsync();
        var plan = t.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("functionapp,linux", (string?)t.Single("Microsoft.Web/sites")["kind"]);
    }

    [BicepFact]
    public async Task The_runtime_is_dotnet_isolated_on_the_projects_own_dotnet_version()
    {
        var t = await CompiledTemplate.LoadAsync();
        var runtime = t.Single("Microsoft.Web/sites")["properties"]!["functionAppConfig"]!["runtime"]!;
        var targetFramework = (string)XDocument.Load(Repo.File("Directory.Build.props")).Descendants("TargetFramework").Single();
        var projectVersion = TargetFrameworkVersion().Match(targetFramework).Groups[1].Value;

        Assert.Equal("dotnet-isolated", (string?)runtime["name"]);
        Assert.Equal(projectVersion, (string?)t.Resolve(runtime["version"]));
        // Flex Consumption takes the runtime from functionAppConfig and rejects these settings.
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", t.AppSettings.Select(s => s.Key));
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", t.AppSettings.Select(s => s.Key));
    }

    [BicepFact]
    public async Task Traffic_is_HTTPS_only_with_TLS_1_2_or_newer_and_no_basic_auth_publishing()
    {
        var t = await CompiledTemplate.LoadAsync();
        var site = t.Single("Microsoft.Web/sites")["properties"]!;
        Assert.True((bool)site["httpsOnly"]!);
        Assert.True(Version.Parse((string)site["siteConfig"]!["minTlsVersion"]!) >= new Version(1, 2));
        Assert.True(Version.Parse((string)site["siteConfig"]!["scmMinTlsVersion"]!) >= new Version(1, 2));
        Assert.Equal("Disabled", (string?)site["siteConfig"]!["ftpsState"]);

        var storage = t.Single("Microsoft.Storage/storageAccounts")["properties"]!;
        Assert.Contains((string?)storage["minimumTlsVersion"], new[] { "TLS1_2", "TLS1_3" });
        Assert.True((bool)storage["supportsHttpsTrafficOnly"]!);

        var publishing = t.Resources("Microsoft.Web/sites/basicPublishingCredentialsPolicies");
        Assert.Equal(2, publishing.Count);
        Assert.All(publishing, p => Assert.False((bool)p["properties"]!["allow"]!));
    }

    [BicepFact]
    public async Task Storage_allows_no_public_blob_access_and_no_account_keys()
    {
        var t = await CompiledTemplate.LoadAsync();
        var storage = t.Single("Microsoft.Storage/storageAccounts")["properties"]!;
        Assert.False((bool)storage["allowBlobPublicAccess"]!);
        Assert.False((bool)storage["allowSharedKeyAccess"]!);
        Assert.All(t.Resources("Microsoft.Storage/storageAccounts/blobServices/containers"),
            c => Assert.Equal("None", (string?)c["properties"]!["publicAccess"]));
    }

    [BicepFact]
    public async Task Storage_is_reached_with_the_apps_managed_identity_and_no_key_or_connection_string_is_in_app_settings()
    {
        var t = await CompiledTemplate.LoadAsync();
        var settings = t.AppSettings;
        var identity = t.Single("Microsoft.Web/sites")["identity"]!;

        Assert.Equal("UserAssigned", (string?)identity["type"]);
        Assert.Equal((string?)t.Single("Microsoft.Storage/storageAccounts")["name"], (string?)settings["AzureWebJobsStorage__accountName"]);
        Assert.Equal("managedidentity", (string?)settings["AzureWebJobsStorage__credential"]);
        Assert.Contains("userAssignedIdentities", CompiledTemplate.Text(settings["AzureWebJobsStorage__clientId"]), StringComparison.Ordinal);
        Assert.False(settings.ContainsKey("AzureWebJobsStorage"), "AzureWebJobsStorage would be a connection string");
        foreach (var (name, value) in settings)
        {
            var text = CompiledTemplate.Text(value);
            Assert.DoesNotMatch(KeyMaterial(), text);
            Assert.False(name.EndsWith("ConnectionString", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("APPLICATIONINSIGHTS", StringComparison.Ordinal),
                $"{name} looks like a connection string setting");
        }
        var deployment = t.Single("Microsoft.Web/sites")["properties"]!["functionAppConfig"]!["deployment"]!["storage"]!["authentication"]!;
        Assert.Equal("UserAssignedIdentity", (string?)deployment["type"]);
    }

    [BicepFact]
    public async Task The_identity_holds_the_data_plane_roles_on_the_resources_it_uses()
    {
        var t = await CompiledTemplate.LoadAsync();
        var assigned = t.Resources("Microsoft.Authorization/roleAssignments")
            .Where(r => CompiledTemplate.Text(r["properties"]!["principalId"]).Contains("userAssignedIdentities", StringComparison.Ordinal))
            .Select(r => (Role: t.WithRoleIds(CompiledTemplate.Text(r["properties"]!["roleDefinitionId"])), Scope: CompiledTemplate.Text(r["scope"])))
            .ToList();

        foreach (var (guid, role) in DataPlaneRoles)
        {
            var scope = role switch
            {
                _ when role.StartsWith("Storage", StringComparison.Ordinal) => "Microsoft.Storage/storageAccounts",
                _ when role.StartsWith("Key Vault", StringComparison.Ordinal) => "Microsoft.KeyVault/vaults",
                _ => "Microsoft.Insights/components",
            };
            Assert.True(assigned.Any(a => a.Role.Contains(guid, StringComparison.Ordinal) && a.Scope.Contains(scope, StringComparison.Ordinal)),
                $"the app's identity lacks {role} on {scope}");
        }
        // Monitoring Metrics Publisher is what Entra-authenticated telemetry needs; local auth is off.
        Assert.True((bool)t.Single("Microsoft.Insights/components")["properties"]!["DisableLocalAuth"]!);
        Assert.Contains("Authorization=AAD", CompiledTemplate.Text(t.AppSettings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]), StringComparison.Ordinal);
    }

    [BicepFact]
    public async Task Every_secret_setting_is_a_Key_Vault_reference_and_no_secret_reaches_app_settings_as_text()
    {
        var t = await CompiledTemplate.LoadAsync();
        var settings = t.AppSettings;
        // Secret settings are named for what they hold; new ones are found here without touching this test.
        var secretSettings = typeof(AlertingOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => SecretName().IsMatch(p.Name))
            .Select(p => $"Alerting__{p.Name}")
            .ToList();
        Assert.NotEmpty(secretSettings);

        foreach (var name in secretSettings)
        {
            Assert.True(settings.ContainsKey(name), $"{name} is not set by the template (it would need a Key Vault reference)");
            Assert.Contains("@Microsoft.KeyVault(VaultName=", CompiledTemplate.Text(settings[name]), StringComparison.Ordinal);
        }
        var carriers = t.SecretCarriers();
        foreach (var (name, value) in settings)
        {
            Assert.False(CompiledTemplate.CarriesAny(CompiledTemplate.Text(value), carriers), $"{name} would carry a secret parameter's value as plain text");
        }
        var vault = t.Single("Microsoft.KeyVault/vaults")["properties"]!;
        Assert.True((bool)vault["enableRbacAuthorization"]!);
        Assert.Contains("userAssignedIdentities", CompiledTemplate.Text(t.Single("Microsoft.Web/sites")["properties"]!["keyVaultReferenceIdentity"]), StringComparison.Ordinal);
    }

    [BicepFact]
    public async Task Application_Insights_is_wired_to_the_host_and_the_worker()
    {
        var t = await CompiledTemplate.LoadAsync();
        Assert.Contains("Microsoft.Insights/components", CompiledTemplate.Text(t.AppSettings["APPLICATIONINSIGHTS_CONNECTION_STRING"]), StringComparison.Ordinal);
        Assert.Contains("ConnectionString", CompiledTemplate.Text(t.AppSettings["APPLICATIONINSIGHTS_CONNECTION_STRING"]), StringComparison.Ordinal);
        // The compiler records an assembly reference only for what the code uses: Program.cs registers the
        // worker's Application Insights integration.
        var worker = typeof(Alerting.Functions.AlertingServices).Assembly.GetReferencedAssemblies().Select(a => a.Name);
        Assert.Contains("Microsoft.Azure.Functions.Worker.ApplicationInsights", worker);
    }

    [BicepFact]
    public async Task Every_file_the_app_reads_is_pointed_at_the_config_source_the_deployment_chose()
    {
        var t = await CompiledTemplate.LoadAsync();
        var settings = t.AppSettings;
        var fileSettings = typeof(AlertingOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name.EndsWith("Path", StringComparison.Ordinal) || p.Name == nameof(AlertingOptions.RuleFiles))
            .Select(p => $"Alerting__{p.Name}");
        foreach (var name in fileSettings)
        {
            Assert.True(settings.ContainsKey(name), $"{name} is not set: the app would look for the file at its local default");
            Assert.Contains("variables('configRoot')", CompiledTemplate.Text(settings[name]), StringComparison.Ordinal);
        }
        Assert.Equal((string?)t.Resolve(settings["Alerting__ConfigContainer__LocalPath"]), (string?)t.Module["variables"]!["configFolder"]);
        Assert.Contains("variables('configContainerName')", CompiledTemplate.Text(settings["Alerting__ConfigContainer__Name"]), StringComparison.Ordinal);
    }

    [BicepFact]
    public async Task The_outputs_azd_and_the_predeploy_hook_use_exist()
    {
        var t = await CompiledTemplate.LoadAsync();
        var outputs = t.Main["outputs"]!.AsObject().Select(o => o.Key).ToList();
        var hook = await File.ReadAllTextAsync(Repo.File("infra", "hooks", "upload-config.sh"));
        foreach (var used in HookVariable().Matches(hook).Select(m => m.Groups[1].Value).Distinct())
        {
            Assert.Contains(used, outputs);
        }
        Assert.Contains("AZURE_FUNCTION_APP_NAME", outputs);
        Assert.Contains("'azd-service-name'", CompiledTemplate.Text(t.Single("Microsoft.Web/sites")["tags"]), StringComparison.Ordinal);
    }

    [BicepFact]
    public async Task Every_app_setting_a_binding_expression_names_is_set()
    {
        var t = await CompiledTemplate.LoadAsync();
        var metadata = await File.ReadAllTextAsync(Alerting.LocalHost.FunctionApp.Alerting.MetadataFile);
        var named = BindingExpression().Matches(metadata).Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.NotEmpty(named);
        Assert.All(named, setting => Assert.True(t.AppSettings.ContainsKey(setting), $"functions.metadata uses %{setting}% but the template does not set it"));
    }

    [GeneratedRegex(@"%([A-Za-z0-9_]+)%")]
    private static partial Regex BindingExpression();

    [GeneratedRegex(@"^net(\d+\.\d+)$")]
    private static partial Regex TargetFrameworkVersion();

    [GeneratedRegex("(Key|Token|Secret|Password)$")]
    private static partial Regex SecretName();

    [GeneratedRegex("listKeys|AccountKey=|SharedAccessSignature|DefaultEndpointsProtocol|InstrumentationKey=", RegexOptions.IgnoreCase)]
    private static partial Regex KeyMaterial();

    [GeneratedRegex(@"\$\{?(AZURE_[A-Z_]+)")]
    private static partial Regex HookVariable();
}
