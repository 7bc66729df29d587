using System.Reflection;
using Alerting.Functions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.LocalHost;

/// <summary>
/// Which function app the local host runs: the assembly whose functions it serves, the
/// <c>functions.metadata</c> that declares them (by default the one the Functions SDK wrote beside the
/// assembly) and the registrations its Program.cs would make. Normally Alerting.Functions; tests can host their own.
/// </summary>
public sealed record FunctionApp(Assembly Assembly, Action<IServiceCollection, IConfiguration> Register, string? MetadataPath = null)
{
    public static FunctionApp Alerting { get; } = new(typeof(AlertingServices).Assembly, (s, c) => s.AddAlerting(c));

    public string MetadataFile => MetadataPath ?? Path.Combine(Path.GetDirectoryName(Assembly.Location)!, FunctionCatalog.MetadataFileName);
}
