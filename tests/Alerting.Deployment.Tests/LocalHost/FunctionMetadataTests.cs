using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;
using Alerting.LocalHost;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.Deployment.Tests.LocalHost;

/// <summary>
/// One function catalogue: the local host serves what functions.metadata (written by the Functions SDK at
/// build time, indexed by the Azure host) declares. These tests fail when a [Function] method is missing
/// from it or a binding differs from the attributes in the code, and when the SDK's source-generated
/// provider (what the worker reports to the host under worker indexing) disagrees with the file.
/// </summary>
public sealed class FunctionMetadataTests
{
    private static readonly Assembly App = FunctionApp.Alerting.Assembly;

    private static IReadOnlyList<FunctionDescriptor> Catalog() => FunctionCatalog.Load(FunctionApp.Alerting.MetadataFile, App);

    /// <summary>Every [Function] method with its trigger binding as the attributes state it (the independent view).</summary>
    private static Dictionary<string, (MethodInfo Method, string Binding)> FromAttributes()
    {
        var result = new Dictionary<string, (MethodInfo, string)>(StringComparer.Ordinal);
        foreach (var method in App.GetExportedTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } fn)
            {
                continue;
            }
            var binding = method.GetParameters().Select(p => p.GetCustomAttributes().Select(a => a switch
            {
                HttpTriggerAttribute h => Describe(p.Name!, new HttpTriggerBinding(p.Name!, h.Route, (h.Methods ?? []).Select(m => m.ToUpperInvariant()).ToArray(), h.AuthLevel)),
                TimerTriggerAttribute t => Describe(p.Name!, new TimerTriggerBinding(p.Name!, t.Schedule, t.RunOnStartup)),
                QueueTriggerAttribute q => Describe(p.Name!, new QueueTriggerBinding(p.Name!, q.QueueName, q.Connection)),
                _ => null,
            }).FirstOrDefault(d => d is not null)).FirstOrDefault(d => d is not null);
            result.Add(fn.Name, (method, binding ?? "no trigger"));
        }
        return result;
    }

    private static string Describe(string parameter, TriggerBinding b) => b switch
    {
        HttpTriggerBinding h => $"http {parameter} route={h.Route} methods={string.Join(',', h.Methods)} auth={h.AuthLevel}",
        TimerTriggerBinding t => $"timer {parameter} schedule={t.Schedule} runOnStartup={t.RunOnStartup}",
        QueueTriggerBinding q => $"queue {parameter} queue={q.QueueName} connection={q.Connection ?? "AzureWebJobsStorage"}",
        _ => b.ToString(),
    };

    [Fact]
    public void Every_Function_method_is_in_functions_metadata_and_nothing_else_is()
    {
        var declared = Catalog().Select(f => f.Name).Order(StringComparer.Ordinal).ToList();
        var inCode = FromAttributes().Keys.Order(StringComparer.Ordinal).ToList();

        Assert.True(inCode.SequenceEqual(declared),
            $"missing from functions.metadata: [{string.Join(", ", inCode.Except(declared))}]; only in functions.metadata: [{string.Join(", ", declared.Except(inCode))}]");
    }

    [Fact]
    public void Each_binding_in_functions_metadata_matches_the_attributes_route_methods_schedule_queue_connection_and_auth_level()
    {
        var code = FromAttributes();
        var differences = Catalog()
            .Where(f => code.ContainsKey(f.Name))
            .Select(f => (f.Name, Metadata: Describe(f.Trigger.Parameter, f.Trigger), Code: code[f.Name].Binding, SameMethod: f.Method == code[f.Name].Method))
            .Where(x => x.Metadata != x.Code || !x.SameMethod)
            .Select(x => $"{x.Name}: functions.metadata says '{x.Metadata}', the code says '{x.Code}'{(x.SameMethod ? "" : " (different method)")}")
            .ToList();

        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    [Fact]
    public async Task The_source_generated_metadata_the_worker_reports_agrees_with_functions_metadata()
    {
        var providerType = App.GetTypes().SingleOrDefault(t => t.GetInterfaces().Any(i => i.Name == "IFunctionMetadataProvider") && !t.IsAbstract);
        Assert.True(providerType is not null, "the Functions SDK generated no metadata provider in the app assembly");
        var provider = Activator.CreateInstance(providerType!, nonPublic: true)!;
        var method = providerType!.GetMethod("GetFunctionMetadataAsync")!;
        var task = (Task)method.Invoke(provider, [Path.GetDirectoryName(App.Location)!])!;
        await task;
        var generated = ((IEnumerable)task.GetType().GetProperty("Result")!.GetValue(task)!).Cast<object>()
            .ToDictionary(
                m => (string)m.GetType().GetProperty("Name")!.GetValue(m)!,
                m => ((IEnumerable<string>)m.GetType().GetProperty("RawBindings")!.GetValue(m)!).Select(b => JsonNode.Parse(b)!).ToList());

        foreach (var f in Catalog())
        {
            Assert.True(generated.TryGetValue(f.Name, out var bindings), $"{f.Name} is in functions.metadata but the worker would not report it");
            var trigger = bindings!.Single(b => ((string)b!["type"]!).EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))!;
            var fromGenerated = (string)trigger["type"]! switch
            {
                "httpTrigger" => Describe((string)trigger["name"]!, new HttpTriggerBinding((string)trigger["name"]!, (string?)trigger["route"],
                    trigger["methods"]!.AsArray().Select(m => ((string)m!).ToUpperInvariant()).ToArray(), Enum.Parse<AuthorizationLevel>((string)trigger["authLevel"]!, ignoreCase: true))),
                "timerTrigger" => Describe((string)trigger["name"]!, new TimerTriggerBinding((string)trigger["name"]!, (string)trigger["schedule"]!, (bool?)trigger["runOnStartup"] ?? false)),
                "queueTrigger" => Describe((string)trigger["name"]!, new QueueTriggerBinding((string)trigger["name"]!, (string)trigger["queueName"]!, (string?)trigger["connection"])),
                var other => other,
            };
            Assert.Equal(Describe(f.Trigger.Parameter, f.Trigger), fromGenerated);
        }
        Assert.Equal(Catalog().Count, generated.Count);
    }
}
