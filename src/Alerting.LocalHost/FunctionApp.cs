using System.Reflection;
using Alerting.Functions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.LocalHost;

/// <summary>
/// Which function app the local host runs: the assembly whose <c>[Function]</c> methods it serves and
/// the registrations its Program.cs would make. Normally Alerting.Functions; tests can host their own.
/// </summary>
public sealed record FunctionApp(Assembly Assembly, Action<IServiceCollection, IConfiguration> Register)
{
    public static FunctionApp Alerting { get; } = new(typeof(AlertingServices).Assembly, (s, c) => s.AddAlerting(c));
}
