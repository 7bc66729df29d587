using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alerting.Core.Model;

/// <summary>Labels as the JSON object Prometheus and Alertmanager use: <c>{"name": "value", ...}</c>.</summary>
public sealed class LabelsJsonConverter : JsonConverter<Labels>
{
    public override Labels Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadMap(ref reader, keepEmpty: false);

    public override void Write(Utf8JsonWriter writer, Labels value, JsonSerializerOptions options) => WriteMap(writer, value);

    internal static Labels ReadMap(ref Utf8JsonReader reader, bool keepEmpty)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return Labels.Empty;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("labels must be a JSON object of strings");
        }
        var list = new List<Label>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"label '{name}' must have a string value");
            }
            list.Add(new Label(name, reader.GetString()!));
        }
        return keepEmpty ? Labels.AnnotationsFrom(list) : Labels.From(list);
    }

    internal static void WriteMap(Utf8JsonWriter writer, Labels value)
    {
        writer.WriteStartObject();
        foreach (var l in value)
        {
            writer.WriteString(l.Name, l.Value);
        }
        writer.WriteEndObject();
    }
}

/// <summary>Annotations as the same JSON object; unlike labels, an empty value is kept (<c>{"summary":""}</c>).</summary>
public sealed class AnnotationsJsonConverter : JsonConverter<Labels>
{
    public override Labels Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        LabelsJsonConverter.ReadMap(ref reader, keepEmpty: true);

    public override void Write(Utf8JsonWriter writer, Labels value, JsonSerializerOptions options) => LabelsJsonConverter.WriteMap(writer, value);
}
