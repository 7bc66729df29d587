using System.Reflection;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.LocalHost;

public enum TriggerKind
{
    Http,
    Timer,
    Queue,
}

/// <summary>A function's trigger binding as <c>functions.metadata</c> states it.</summary>
public abstract record TriggerBinding(string Parameter)
{
    public abstract TriggerKind Kind { get; }
}

/// <summary><c>httpTrigger</c>: <paramref name="Route"/> null means the function's name; no methods means every method.</summary>
public sealed record HttpTriggerBinding(string Parameter, string? Route, IReadOnlyList<string> Methods, AuthorizationLevel AuthLevel) : TriggerBinding(Parameter)
{
    public override TriggerKind Kind => TriggerKind.Http;
}

/// <summary><c>timerTrigger</c>: an NCRONTAB or hh:mm:ss schedule, possibly a <c>%Setting%</c> expression.</summary>
public sealed record TimerTriggerBinding(string Parameter, string Schedule, bool RunOnStartup) : TriggerBinding(Parameter)
{
    public override TriggerKind Kind => TriggerKind.Timer;
}

/// <summary><c>queueTrigger</c>: <paramref name="Connection"/> null means <c>AzureWebJobsStorage</c>.</summary>
public sealed record QueueTriggerBinding(string Parameter, string QueueName, string? Connection) : TriggerBinding(Parameter)
{
    public override TriggerKind Kind => TriggerKind.Queue;
}

/// <summary>One function: its entry point in the app's assembly and its trigger binding from the metadata.</summary>
public sealed record FunctionDescriptor(string Name, Type Type, MethodInfo Method, TriggerBinding Trigger, ParameterInfo TriggerParameter)
{
    public TriggerKind Kind => Trigger.Kind;
}

/// <summary>
/// Reads the function app's <c>functions.metadata</c>, the file Microsoft.Azure.Functions.Worker.Sdk writes
/// into the build output from the <c>[Function]</c> and trigger attributes and that the Azure Functions host
/// indexes. The local host serves exactly what that file declares, with the bindings as written there, so the
/// two hosts cannot disagree about routes, schedules, queues or keys. Each entry point is then found in the
/// assembly, as the worker does when it is invoked.
/// </summary>
public static class FunctionCatalog
{
    public const string MetadataFileName = "functions.metadata";

    public static IReadOnlyList<FunctionDescriptor> Load(string metadataPath, Assembly assembly)
    {
        if (!File.Exists(metadataPath))
        {
            throw new InvalidOperationException(
                $"{metadataPath} does not exist. Microsoft.Azure.Functions.Worker.Sdk writes it when the function app is built; build the function app project.");
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(metadataPath));
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(metadataPath, "the file is not a JSON array of functions");
        }
        var scriptFile = Path.GetFileName(assembly.Location);
        var result = new List<FunctionDescriptor>();
        foreach (var entry in doc.RootElement.EnumerateArray())
        {
            var name = String(entry, "name") ?? throw Invalid(metadataPath, "a function has no name");
            if (String(entry, "scriptFile") is { } file && !string.Equals(file, scriptFile, StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(metadataPath, $"function '{name}' is in {file}, not in {scriptFile}");
            }
            var entryPoint = String(entry, "entryPoint") ?? throw Invalid(metadataPath, $"function '{name}' has no entryPoint");
            var method = FindMethod(assembly, name, entryPoint)
                ?? throw Invalid(metadataPath, $"function '{name}' names {entryPoint}, which is not a [Function(\"{name}\")] method of {assembly.GetName().Name}; rebuild the function app");
            var trigger = ReadTrigger(metadataPath, name, entry);
            var parameter = method.GetParameters().FirstOrDefault(p => p.Name == trigger.Parameter)
                ?? throw Invalid(metadataPath, $"function '{name}' binds its trigger to parameter '{trigger.Parameter}', which {entryPoint} does not have");
            result.Add(new FunctionDescriptor(name, method.DeclaringType!, method, trigger, parameter));
        }
        var duplicate = result.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw Invalid(metadataPath, $"function name '{duplicate.Key}' is used more than once");
        }
        return result;
    }

    private static MethodInfo? FindMethod(Assembly assembly, string name, string entryPoint)
    {
        var dot = entryPoint.LastIndexOf('.');
        if (dot <= 0)
        {
            return null;
        }
        var type = assembly.GetType(entryPoint[..dot]);
        return type?.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == entryPoint[(dot + 1)..] && m.GetCustomAttribute<FunctionAttribute>()?.Name == name);
    }

    private static TriggerBinding ReadTrigger(string path, string function, JsonElement entry)
    {
        if (!entry.TryGetProperty("bindings", out var bindings) || bindings.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(path, $"function '{function}' has no bindings");
        }
        var triggers = bindings.EnumerateArray()
            .Where(b => String(b, "type") is { } t && t.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (triggers.Count != 1)
        {
            throw Invalid(path, $"function '{function}' has {triggers.Count} trigger bindings, not one");
        }
        var b = triggers[0];
        var parameter = String(b, "name") ?? throw Invalid(path, $"the trigger of function '{function}' has no parameter name");
        switch (String(b, "type")!.ToLowerInvariant())
        {
            case "httptrigger":
                var methods = b.TryGetProperty("methods", out var m) && m.ValueKind == JsonValueKind.Array
                    ? m.EnumerateArray().Select(x => x.GetString()!.ToUpperInvariant()).ToArray()
                    : [];
                var level = String(b, "authLevel") is { } l
                    ? Enum.TryParse<AuthorizationLevel>(l, ignoreCase: true, out var parsed) ? parsed : throw Invalid(path, $"function '{function}' has authLevel '{l}'")
                    : AuthorizationLevel.Function;
                return new HttpTriggerBinding(parameter, String(b, "route"), methods, level);
            case "timertrigger":
                var schedule = String(b, "schedule") ?? throw Invalid(path, $"timer function '{function}' has no schedule");
                var runOnStartup = b.TryGetProperty("runOnStartup", out var r) && r.ValueKind == JsonValueKind.True;
                return new TimerTriggerBinding(parameter, schedule, runOnStartup);
            case "queuetrigger":
                var queue = String(b, "queueName") ?? throw Invalid(path, $"queue function '{function}' has no queueName");
                return new QueueTriggerBinding(parameter, queue, String(b, "connection"));
            default:
                throw Invalid(path, $"function '{function}' has a {String(b, "type")} binding; the local host runs http, timer and queue triggers");
        }
    }

    private static string? String(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static InvalidOperationException Invalid(string path, string problem) => new($"{path}: {problem}.");
}
