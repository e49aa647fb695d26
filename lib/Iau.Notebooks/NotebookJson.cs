using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Iau.Notebooks;

/// <summary>
/// JSON reading and writing in the style Jupyter and VS Code use for .ipynb files (<c>JSON.stringify(nb, null, 1)</c>,
/// Python's <c>json.dumps(nb, indent=1, ensure_ascii=False)</c>): one property or item per line, <c>"key": value</c>,
/// empty objects and arrays as <c>{}</c> and <c>[]</c>, no escaping of non-ASCII text. Values read from a file keep
/// their original text (numbers, strings and their escapes), so a document that is read and written again without
/// changes comes back byte for byte when it was written in that style.
/// </summary>
public sealed record NotebookJsonStyle(string Indent, string NewLine, bool FinalNewLine)
{
    /// <summary>The style VS Code and Jupyter write: one space of indentation, LF, a final newline.</summary>
    public static NotebookJsonStyle Default { get; } = new(" ", "\n", true);

    /// <summary>Detects the indentation, line ending and final newline of a JSON text.</summary>
    public static NotebookJsonStyle Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lf = text.IndexOf('\n', StringComparison.Ordinal);
        if (lf < 0)
        {
            return Default with { FinalNewLine = false };
        }

        var newLine = lf > 0 && text[lf - 1] == '\r' ? "\r\n" : "\n";
        var start = lf + 1;
        var end = start;
        while (end < text.Length && (text[end] == ' ' || text[end] == '\t'))
        {
            end++;
        }

        var indent = end > start ? text[start..end] : Default.Indent;
        var final = text.EndsWith('\n');
        return new NotebookJsonStyle(indent, newLine, final);
    }
}

/// <summary>Writes <see cref="JsonNode"/> trees in the notebook style (see <see cref="NotebookJsonStyle"/>).</summary>
public static class NotebookJson
{
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 256,
    };

    /// <summary>Parses JSON text; values keep their original text for writing back.</summary>
    public static JsonNode? Parse(string text) => JsonNode.Parse(text, NodeOptions, DocumentOptions);

    /// <summary>Writes a node as text in the given style (default: <see cref="NotebookJsonStyle.Default"/>).</summary>
    public static string Write(JsonNode? node, NotebookJsonStyle? style = null)
    {
        style ??= NotebookJsonStyle.Default;
        var sb = new StringBuilder();
        WriteNode(sb, node, style, 0);
        if (style.FinalNewLine)
        {
            sb.Append(style.NewLine);
        }

        return sb.ToString();
    }

    /// <summary>A string escaped as JavaScript's JSON.stringify escapes it, quotes included.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        AppendQuoted(sb, value);
        return sb.ToString();
    }

    private static void WriteNode(StringBuilder sb, JsonNode? node, NotebookJsonStyle style, int depth)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                if (obj.Count == 0)
                {
                    sb.Append("{}");
                    break;
                }

                sb.Append('{');
                var firstProperty = true;
                foreach (var (key, value) in obj)
                {
                    if (!firstProperty)
                    {
                        sb.Append(',');
                    }

                    firstProperty = false;
                    sb.Append(style.NewLine);
                    AppendIndent(sb, style, depth + 1);
                    AppendQuoted(sb, key);
                    sb.Append(": ");
                    WriteNode(sb, value, style, depth + 1);
                }

                sb.Append(style.NewLine);
                AppendIndent(sb, style, depth);
                sb.Append('}');
                break;
            case JsonArray array:
                if (array.Count == 0)
                {
                    sb.Append("[]");
                    break;
                }

                sb.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    sb.Append(style.NewLine);
                    AppendIndent(sb, style, depth + 1);
                    WriteNode(sb, array[i], style, depth + 1);
                }

                sb.Append(style.NewLine);
                AppendIndent(sb, style, depth);
                sb.Append(']');
                break;
            case JsonValue value:
                WriteValue(sb, value, style, depth);
                break;
            default:
                throw new NotSupportedException($"Unexpected JSON node {node.GetType().Name}.");
        }
    }

    private static void WriteValue(StringBuilder sb, JsonValue value, NotebookJsonStyle style, int depth)
    {
        // Values read from a file: keep the original text, escapes included.
        if (value.TryGetValue<JsonElement>(out var element))
        {
            if (element.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                WriteNode(sb, element.ValueKind == JsonValueKind.Object ? JsonObject.Create(element) : JsonArray.Create(element), style, depth);
                return;
            }

            sb.Append(element.GetRawText());
            return;
        }

        if (value.TryGetValue<string>(out var s))
        {
            AppendQuoted(sb, s);
            return;
        }

        if (value.TryGetValue<bool>(out var b))
        {
            sb.Append(b ? "true" : "false");
            return;
        }

        if (value.TryGetValue<int>(out var i))
        {
            sb.Append(i.ToString(CultureInfo.InvariantCulture));
            return;
        }

        if (value.TryGetValue<long>(out var l))
        {
            sb.Append(l.ToString(CultureInfo.InvariantCulture));
            return;
        }

        if (value.TryGetValue<double>(out var d))
        {
            sb.Append(double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "null");
            return;
        }

        // Anything else: System.Text.Json's own text, reparsed so strings get the notebook escaping.
        var text = value.ToJsonString();
        using var doc = JsonDocument.Parse(text);
        if (doc.RootElement.ValueKind == JsonValueKind.String)
        {
            AppendQuoted(sb, doc.RootElement.GetString()!);
        }
        else
        {
            sb.Append(text);
        }
    }

    private static void AppendIndent(StringBuilder sb, NotebookJsonStyle style, int depth)
    {
        for (var i = 0; i < depth; i++)
        {
            sb.Append(style.Indent);
        }
    }

    private static void AppendQuoted(StringBuilder sb, string value)
    {
        sb.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\f':
                    sb.Append("\\f");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        sb.Append(c).Append(value[i + 1]);
                        i++;
                    }
                    else if (char.IsSurrogate(c))
                    {
                        // A lone surrogate: JSON.stringify writes it escaped.
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>Splits text into nbformat's "multiline string" form: lines that keep their "\n", the last without.</summary>
    public static JsonArray ToLines(string text)
    {
        var array = new JsonArray();
        var start = 0;
        while (start < text.Length)
        {
            var lf = text.IndexOf('\n', start);
            if (lf < 0)
            {
                array.Add(JsonValue.Create(text[start..]));
                break;
            }

            array.Add(JsonValue.Create(text[start..(lf + 1)]));
            start = lf + 1;
        }

        return array;
    }

    /// <summary>Reads an nbformat "multiline string": a string, or an array of strings joined as they are.</summary>
    public static string FromLines(JsonNode? node) => node switch
    {
        null => string.Empty,
        JsonArray array => string.Concat(array.Select(n => n?.GetValue<string>() ?? string.Empty)),
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };
}
