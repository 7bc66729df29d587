using System.Text.Json.Nodes;
using Alerting.Deployment.Tests.Bicep;
using Alerting.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Alerting.Deployment.Tests.Azd;

/// <summary>
/// What `azd up` and the GitHub workflows read, checked as far as this machine allows (no azd, no az, no
/// Azure): the files agree with the template, the project and each other, and the predeploy hook uploads
/// the right files when it runs against a stand-in for the Azure CLI.
/// </summary>
public sealed class AzdFilesTests
{
    private static YamlMappingNode Yaml(params string[] path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Repo.File(path));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlNode At(YamlNode node, params string[] keys) =>
        keys.Aggregate(node, (n, k) => ((YamlMappingNode)n).Children[new YamlScalarNode(k)]);

    [Fact]
    public void Azure_yaml_deploys_the_function_app_project_as_a_dotnet_function()
    {
        var api = At(Yaml("azure.yaml"), "services", "api");

        var project = ((YamlScalarNode)At(api, "project")).Value!;
        Assert.True(File.Exists(Path.Combine(Repo.Root, project, "Alerting.Functions.csproj")), $"{project} is not the function app project");
        Assert.Equal("dotnet", ((YamlScalarNode)At(api, "language")).Value);
        Assert.Equal("function", ((YamlScalarNode)At(api, "host")).Value);
        Assert.Equal("infra", ((YamlScalarNode)At(Yaml("azure.yaml"), "infra", "path")).Value);
        Assert.Contains("infra/hooks/upload-config.sh", ((YamlScalarNode)At(Yaml("azure.yaml"), "hooks", "predeploy", "posix", "run")).Value, StringComparison.Ordinal);
    }

    [BicepFact]
    public async Task The_parameters_file_gives_every_required_parameter_and_only_template_parameters_from_azd_values()
    {
        var template = (await CompiledTemplate.LoadAsync()).Main["parameters"]!.AsObject();
        var given = JsonNode.Parse(await File.ReadAllTextAsync(Repo.File("infra", "main.parameters.json")))!["parameters"]!.AsObject();

        foreach (var (name, _) in template.Where(p => p.Value!["defaultValue"] is null))
        {
            Assert.True(given.ContainsKey(name), $"main.parameters.json does not give required parameter {name}");
        }
        foreach (var (name, value) in given)
        {
            Assert.True(template.ContainsKey(name), $"main.parameters.json gives {name}, which main.bicep does not declare");
            Assert.StartsWith("${", (string?)value!["value"], StringComparison.Ordinal);
        }
        Assert.Equal("${AZURE_ENV_NAME}", (string?)given["environmentName"]!["value"]);
        Assert.Equal("${AZURE_PRINCIPAL_ID}", (string?)given["principalId"]!["value"]);
    }

    [Fact]
    public void The_ci_workflow_runs_ci_run_on_push_and_pull_request_with_dotnet_10_and_node_20()
    {
        var workflow = Yaml(".github", "workflows", "ci.yml");
        var on = (YamlMappingNode)At(workflow, "on");
        Assert.Contains(new YamlScalarNode("push"), on.Children.Keys);
        Assert.Contains(new YamlScalarNode("pull_request"), on.Children.Keys);
        var text = File.ReadAllText(Repo.File(".github", "workflows", "ci.yml"));
        Assert.Contains("bash Alerting.Functions/.ci/run", text, StringComparison.Ordinal);
        Assert.Contains("dotnet-version: 10.0.x", text, StringComparison.Ordinal);
        Assert.Contains("node-version: 20", text, StringComparison.Ordinal);
        Assert.Contains("path: shared", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_deploy_workflow_signs_in_with_OIDC_and_no_stored_secret_and_runs_azd_deploy()
    {
        var workflow = Yaml(".github", "workflows", "deploy.yml");
        Assert.Equal("write", ((YamlScalarNode)At(workflow, "permissions", "id-token")).Value);
        var text = File.ReadAllText(Repo.File(".github", "workflows", "deploy.yml"));
        Assert.Contains("uses: azure/login@v2", text, StringComparison.Ordinal);
        Assert.Contains("--federated-credential-provider github", text, StringComparison.Ordinal);
        Assert.Contains("azd deploy --no-prompt", text, StringComparison.Ordinal);
        Assert.DoesNotContain("client-secret", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AZURE_CREDENTIALS", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_predeploy_hook_uploads_rules_without_their_tests_and_deletes_blobs_whose_file_is_gone()
    {
        var dir = Directory.CreateTempSubdirectory("az-fake-").FullName;
        try
        {
            var log = Path.Combine(dir, "az.log");
            // A stand-in for the Azure CLI: records each call, lists what the upload staged, and answers
            // `storage blob list` with a container holding one file that is no longer in rules/.
            await File.WriteAllTextAsync(Path.Combine(dir, "az"), $$"""
                #!/usr/bin/env bash
                echo "az $*" >> '{{log}}'
                if [ "$1 $2 $3" = "storage blob upload-batch" ]; then
                  while [ $# -gt 0 ]; do [ "$1" = "--source" ] && (cd "$2" && find . -type f | sort | sed 's|^|staged |') >> '{{log}}'; shift; done
                fi
                if [ "$1 $2 $3" = "storage blob list" ]; then printf 'alertmanager.yml\nretired.rules.yml\n'; fi
                exit 0
                """);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(dir, "az"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var run = await Repo.RunAsync("bash", [Repo.File("infra", "hooks", "upload-config.sh")], TimeSpan.FromMinutes(1), environment: new Dictionary<string, string>
            {
                ["PATH"] = dir + ":" + Environment.GetEnvironmentVariable("PATH"),
                ["AZURE_STORAGE_ACCOUNT_NAME"] = "stalerttest",
                ["AZURE_CONFIG_CONTAINER"] = "config",
                ["AZURE_CONFIG_SOURCE"] = "blob",
            });

            Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
            var calls = await File.ReadAllLinesAsync(log);
            Assert.Contains(calls, c => c.StartsWith("az storage blob upload-batch --auth-mode login --account-name stalerttest --destination config", StringComparison.Ordinal));
            Assert.Contains("staged ./alertmanager.yml", calls);
            Assert.Contains("staged ./templates/default.tmpl", calls);
            Assert.DoesNotContain(calls, c => c.StartsWith("staged ./tests/", StringComparison.Ordinal));
            Assert.Contains(calls, c => c.StartsWith("az storage blob delete", StringComparison.Ordinal) && c.Contains("--name retired.rules.yml", StringComparison.Ordinal));
            Assert.DoesNotContain(calls, c => c.StartsWith("az storage blob delete", StringComparison.Ordinal) && c.Contains("alertmanager.yml", StringComparison.Ordinal));
            Assert.All(calls.Where(c => c.StartsWith("az ", StringComparison.Ordinal)), c => Assert.Contains("--auth-mode login", c, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
