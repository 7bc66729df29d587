using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.LocalHost;

/// <summary>
/// Calls a function method the way the isolated worker does: a new instance of the function class per
/// invocation (constructor injection from the container), the trigger value bound to the trigger
/// parameter and a <see cref="CancellationToken"/> to any token parameter. Anything else a function asks
/// for is a mistake we report at startup rather than at the first invocation.
/// </summary>
public sealed class FunctionInvoker(IServiceProvider services)
{
    public static void Validate(FunctionDescriptor fn, Func<ParameterInfo, bool> extraBindable)
    {
        foreach (var p in fn.Method.GetParameters())
        {
            // Compared by position: ParameterInfo instances are not guaranteed to be the same object when two hosts
            // in one process reflect over the same method concurrently.
            if (p.Position == fn.TriggerParameter.Position || p.ParameterType == typeof(CancellationToken) || extraBindable(p))
            {
                continue;
            }
            throw new InvalidOperationException(
                $"Function '{fn.Name}': parameter '{p.Name}' of type {p.ParameterType.Name} cannot be bound by the local host.");
        }
    }

    public async Task<object?> InvokeAsync(FunctionDescriptor fn, Func<ParameterInfo, object?> bind, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var target = fn.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(scope.ServiceProvider, fn.Type);
        var args = fn.Method.GetParameters()
            .Select(p => p.ParameterType == typeof(CancellationToken) ? ct : bind(p))
            .ToArray();
        object? result;
        try
        {
            result = fn.Method.Invoke(target, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        switch (result)
        {
            case Task task:
                await task.ConfigureAwait(false);
                var resultProperty = task.GetType().GetProperty("Result");
                return resultProperty is not null && resultProperty.PropertyType.Name != "VoidTaskResult"
                    ? resultProperty.GetValue(task)
                    : null;
            case ValueTask vt:
                await vt.ConfigureAwait(false);
                return null;
            default:
                return result;
        }
    }
}
