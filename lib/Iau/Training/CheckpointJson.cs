using System.Text.Json;
using System.Text.Json.Serialization;

namespace Iau.Training;

/// <summary>JSON settings of checkpoint headers: camelCase, enums as strings, NaN/∞ allowed, compact.</summary>
internal static class CheckpointJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        WriteIndented = false,
    };

    public static string Serialize<T>(T value)
    {
        return JsonSerializer.Serialize(value, Options);
    }

    public static T Deserialize<T>(string path, string json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new CheckpointFormatException(path, "checkpoint header is empty");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, "checkpoint header is not valid: " + e.Message, e);
        }
    }

    /// <summary>Fields (top-level JSON properties) in which two values differ, as text.</summary>
    public static IEnumerable<CheckpointDifference> Differences<T>(string prefix, T expected, T found)
    {
        var a = JsonSerializer.SerializeToElement(expected, Options);
        var b = JsonSerializer.SerializeToElement(found, Options);
        foreach (var p in a.EnumerateObject())
        {
            var other = b.TryGetProperty(p.Name, out var v) ? v.GetRawText() : "(absent)";
            if (p.Value.GetRawText() != other)
            {
                yield return new CheckpointDifference(prefix + p.Name, p.Value.GetRawText(), other);
            }
        }
    }
}
