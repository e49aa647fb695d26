using System.Text.Json.Nodes;

namespace Iau.Notebooks;

/// <summary>
/// The parts of nbformat 4 the kit reads, checked field by field, so that a malformed notebook is reported as
/// "cell N: field …" instead of failing (or passing) somewhere later: every cell is an object with a cell_type
/// string; its source is a string or an array of strings; a code cell has an "outputs" array of objects, each
/// with an output_type string.
/// </summary>
public static class NotebookStructure
{
    /// <summary>The problems of <paramref name="root"/>, one line each ("cell 3: field \"outputs\" …"); empty when none.</summary>
    public static IReadOnlyList<string> Problems(JsonObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root["cells"] is not JsonArray cells)
        {
            return ["field \"cells\" is missing or not an array (is this an nbformat 4 notebook?)"];
        }

        var problems = new List<string>();
        for (var i = 0; i < cells.Count; i++)
        {
            var at = $"cell {i + 1}";
            if (cells[i] is not JsonObject cell)
            {
                problems.Add($"{at}: not a JSON object");
                continue;
            }

            if (cell["cell_type"] is not JsonValue t || !t.TryGetValue<string>(out var type))
            {
                problems.Add($"{at}: field \"cell_type\" is missing or not a string");
                continue;
            }

            if (!IsMultiline(cell["source"]))
            {
                problems.Add($"{at}: field \"source\" must be a string or an array of strings, not {Describe(cell["source"])}");
            }

            if (type != "code")
            {
                continue;
            }

            if (cell["outputs"] is not JsonArray outputs)
            {
                problems.Add($"{at}: field \"outputs\" of a code cell must be an array, not {Describe(cell["outputs"])}");
                continue;
            }

            for (var k = 0; k < outputs.Count; k++)
            {
                if (outputs[k] is not JsonObject o)
                {
                    problems.Add($"{at}: outputs[{k}] must be an object, not {Describe(outputs[k])}");
                }
                else if (o["output_type"] is not JsonValue ot || !ot.TryGetValue<string>(out _))
                {
                    problems.Add($"{at}: outputs[{k}]: field \"output_type\" is missing or not a string");
                }
            }
        }

        return problems;
    }

    private static bool IsMultiline(JsonNode? node) => node switch
    {
        JsonValue v => v.TryGetValue<string>(out _),
        JsonArray a => a.All(x => x is JsonValue v && v.TryGetValue<string>(out _)),
        _ => false,
    };

    private static string Describe(JsonNode? node) => node switch
    {
        null => "missing",
        JsonArray => "an array of other values",
        JsonObject => "an object",
        _ => Shorten(node.ToJsonString()),
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..39] + "…";
}
