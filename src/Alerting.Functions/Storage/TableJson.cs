using System.Text.Json;
using Alerting.Core.Model;

namespace Alerting.Functions.Storage;

/// <summary>How structured values are kept in table properties (JSON strings).</summary>
internal static class TableJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new LabelsJsonConverter() } };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string? json, T fallback) => string.IsNullOrEmpty(json) ? fallback : JsonSerializer.Deserialize<T>(json, Options) ?? fallback;

    public static Labels Labels(string? json) => Read(json, Core.Model.Labels.Empty);

    private static readonly JsonSerializerOptions AnnotationOptions = new(JsonSerializerDefaults.Web) { Converters = { new AnnotationsJsonConverter() } };

    /// <summary>Annotations keep empty values (<c>{"summary":""}</c>), as Alertmanager stores them.</summary>
    public static Labels Annotations(string? json) =>
        string.IsNullOrEmpty(json) ? Core.Model.Labels.Empty : JsonSerializer.Deserialize<Labels>(json, AnnotationOptions) ?? Core.Model.Labels.Empty;
}
