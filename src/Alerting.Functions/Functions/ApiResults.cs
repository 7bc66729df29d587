using Microsoft.AspNetCore.Mvc;

namespace Alerting.Functions.Functions;

internal static class ApiResults
{
    /// <summary>The error body every JSON endpoint of ours answers with: <c>{"error":"..."}</c>.</summary>
    public static ObjectResult Error(int status, string message) => new(new { error = message }) { StatusCode = status };
}
