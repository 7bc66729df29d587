using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.LocalHost;

public enum TriggerKind
{
    Http,
    Timer,
    Queue,
}

/// <summary>One <c>[Function]</c> method and the trigger attribute on its first bound parameter.</summary>
public sealed record FunctionDescriptor(string Name, Type Type, MethodInfo Method, TriggerKind Kind, Attribute Trigger, ParameterInfo TriggerParameter);

/// <summary>
/// Finds functions the same way the Functions SDK's metadata generator does: public methods carrying
/// <see cref="FunctionAttribute"/>, whose trigger is the parameter decorated with a trigger attribute.
/// </summary>
public static class FunctionCatalog
{
    public static IReadOnlyList<FunctionDescriptor> Discover(Assembly assembly)
    {
        var result = new List<FunctionDescriptor>();
        foreach (var type in assembly.GetExportedTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            {
                var fn = method.GetCustomAttribute<FunctionAttribute>();
                if (fn is null)
                {
                    continue;
                }
                var (kind, trigger, parameter) = FindTrigger(method)
                    ?? throw new InvalidOperationException($"Function '{fn.Name}' ({type.Name}.{method.Name}) has no supported trigger parameter.");
                result.Add(new FunctionDescriptor(fn.Name, type, method, kind, trigger, parameter));
            }
        }
        var duplicate = result.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Function name '{duplicate.Key}' is used more than once.");
        }
        return result;
    }

    private static (TriggerKind, Attribute, ParameterInfo)? FindTrigger(MethodInfo method)
    {
        foreach (var p in method.GetParameters())
        {
            if (p.GetCustomAttribute<HttpTriggerAttribute>() is { } http)
            {
                return (TriggerKind.Http, http, p);
            }
            if (p.GetCustomAttribute<TimerTriggerAttribute>() is { } timer)
            {
                return (TriggerKind.Timer, timer, p);
            }
            if (p.GetCustomAttribute<QueueTriggerAttribute>() is { } queue)
            {
                return (TriggerKind.Queue, queue, p);
            }
        }
        return null;
    }
}
