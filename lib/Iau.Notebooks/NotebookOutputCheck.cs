using System.Text;
using System.Text.Json.Nodes;

namespace Iau.Notebooks;

/// <summary>
/// Checks an executed notebook (.ipynb) the way CI needs: no error output, no output above
/// <see cref="DefaultLimitBytes"/> except images (image/* data does not count), and every chart the kit's formatter
/// wrote (text/html with class "iau-chart") carries a non-empty image/png, so that it shows where scripts do not run.
/// </summary>
public static class NotebookOutputCheck
{
    /// <summary>The largest non-image output allowed: 300 KB.</summary>
    public const long DefaultLimitBytes = 300_000;

    /// <summary>The problems found, one line each ("cell N: …"); empty when the notebook passes.</summary>
    /// <exception cref="FormatException">The file is not an .ipynb (the message names it).</exception>
    public static IReadOnlyList<string> Check(string path, long limitBytes = DefaultLimitBytes)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FormatException($"{path}: not a notebook (invalid JSON: {e.Message})", e);
        }

        if (root is not JsonObject notebook || notebook["cells"] is not JsonArray cells)
        {
            throw new FormatException($"{path}: not a notebook (no \"cells\" array)");
        }

        // A malformed cell (e.g. "outputs": "x") is a problem, not a cell without outputs to skip.
        var structure = NotebookStructure.Problems(notebook);
        if (structure.Count > 0)
        {
            return structure;
        }

        var problems = new List<string>();
        for (var i = 0; i < cells.Count; i++)
        {
            if (cells[i]?["outputs"] is not JsonArray outputs)
            {
                continue;
            }

            foreach (var output in outputs.OfType<JsonObject>())
            {
                var type = (string?)output["output_type"];
                if (type == "error")
                {
                    problems.Add($"cell {i + 1}: error output {(string?)output["ename"]}: {FirstLine((string?)output["evalue"])}");
                    continue;
                }

                var size = NonImageBytes(output);
                if (size > limitBytes)
                {
                    problems.Add($"cell {i + 1}: {type} output of {size:N0} bytes (non-image) exceeds {limitBytes:N0}");
                }

                if (output["data"] is JsonObject data && Text(data["text/html"]) is { } html && html.Contains("class=\"iau-chart\"", StringComparison.Ordinal)
                    && string.IsNullOrWhiteSpace(Text(data["image/png"])))
                {
                    problems.Add($"cell {i + 1}: chart without an image/png");
                }
            }
        }

        return problems;
    }

    /// <summary>The output's size as JSON text, without its image/* data.</summary>
    internal static long NonImageBytes(JsonObject output)
    {
        var copy = output.DeepClone().AsObject();
        if (copy["data"] is JsonObject data)
        {
            foreach (var key in data.Select(kv => kv.Key).Where(k => k.StartsWith("image/", StringComparison.Ordinal)).ToList())
            {
                data.Remove(key);
            }
        }

        return Encoding.UTF8.GetByteCount(copy.ToJsonString());
    }

    // nbformat stores text as a string or as a list of lines.
    private static string? Text(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        JsonValue v => (string?)v,
        _ => null,
    };

    private static string FirstLine(string? text) => (text ?? string.Empty).Split('\n')[0];
}
