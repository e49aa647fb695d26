using System.Text;
using System.Text.Json.Nodes;

namespace Iau.Notebooks;

/// <summary>Where a <see cref="NotebookDocument"/> came from.</summary>
public enum NotebookFormat
{
    /// <summary>Jupyter's .ipynb (nbformat 4, JSON), as Polyglot Notebooks saves it.</summary>
    Ipynb,

    /// <summary>Polyglot's plain .dib format: cells introduced by <c>#!markdown</c>, <c>#!csharp</c>, ….</summary>
    Dib,
}

/// <summary>
/// A notebook as a JSON tree (nbformat 4). Everything the file holds is kept — notebook and cell metadata that
/// the kit does not know, unknown fields, the original text of every value — so that <see cref="ToJson"/> gives
/// back the file byte for byte, except what running changed (outputs and execution counts of executed cells).
/// </summary>
public sealed class NotebookDocument
{
    /// <summary>The kernelspec Polyglot Notebooks writes for C# notebooks.</summary>
    public const string KernelSpecName = ".net-csharp";

    private static readonly HashSet<string> KnownKernels = new(StringComparer.OrdinalIgnoreCase)
    {
        "csharp", "c#", "fsharp", "f#", "pwsh", "powershell", "javascript", "js", "html", "markdown", "md",
        "mermaid", "sql", "kql", "value", "http", "meta", "python", "r",
    };

    private NotebookDocument(JsonObject root, NotebookJsonStyle style, string? path, NotebookFormat format)
    {
        Root = root;
        Style = style;
        Path = path is null ? null : System.IO.Path.GetFullPath(path);
        SourceFormat = format;
    }

    /// <summary>The whole notebook as JSON; edits here are saved as they are.</summary>
    public JsonObject Root { get; }

    /// <summary>Indentation and line endings used by <see cref="ToJson"/> (detected from the file read).</summary>
    public NotebookJsonStyle Style { get; set; }

    /// <summary>The file it was loaded from (full path), or null.</summary>
    public string? Path { get; }

    /// <summary>The file name, or "notebook" when not loaded from a file.</summary>
    public string Name => Path is null ? "notebook" : System.IO.Path.GetFileName(Path);

    /// <summary>The format it was read from.</summary>
    public NotebookFormat SourceFormat { get; }

    /// <summary>The notebook's metadata object (created when missing).</summary>
    public JsonObject Metadata => GetOrCreateObject(Root, "metadata");

    /// <summary>The cells, in order. Each wraps the JSON object of that cell.</summary>
    public IReadOnlyList<NotebookCell> Cells
    {
        get
        {
            var cells = CellArray;
            var list = new List<NotebookCell>(cells.Count);
            for (var i = 0; i < cells.Count; i++)
            {
                if (cells[i] is not JsonObject cell)
                {
                    throw new InvalidDataException($"{Name}: cell {i + 1} is not a JSON object.");
                }

                list.Add(new NotebookCell(this, cell, i));
            }

            return list;
        }
    }

    /// <summary>
    /// The default kernel: metadata.polyglot_notebook.kernelInfo.defaultKernelName, else from the kernelspec,
    /// else "csharp".
    /// </summary>
    public string DefaultKernelName
    {
        get
        {
            var name = (Root["metadata"]?["polyglot_notebook"]?["kernelInfo"]?["defaultKernelName"] as JsonValue)?.TryGetValue<string>(out var n) == true ? n : null;
            if (name is null && (Root["metadata"]?["kernelspec"]?["language"] as JsonValue)?.TryGetValue<string>(out var lang) == true)
            {
                name = lang;
            }

            return NormaliseKernel(name ?? "csharp");
        }
    }

    private JsonArray CellArray => Root["cells"] as JsonArray ?? throw new InvalidDataException($"{Name}: no \"cells\" array.");

    /// <summary>Loads a notebook: .dib files as Polyglot's plain format, anything else as .ipynb JSON.</summary>
    public static NotebookDocument Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Notebook not found: {path}", path);
        }

        var text = File.ReadAllText(path, Encoding.UTF8);
        return string.Equals(System.IO.Path.GetExtension(path), ".dib", StringComparison.OrdinalIgnoreCase)
            ? ParseDib(text, path)
            : Parse(text, path);
    }

    /// <summary>Parses .ipynb JSON (nbformat 4).</summary>
    public static NotebookDocument Parse(string json, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var name = path is null ? "notebook" : System.IO.Path.GetFileName(path);
        JsonNode? node;
        try
        {
            // A UTF-8 byte order mark, when present, is not part of the JSON.
            node = NotebookJson.Parse(json.TrimStart('\uFEFF'));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{name}: not valid JSON: {e.Message}", e);
        }

        if (node is not JsonObject root)
        {
            throw new InvalidDataException($"{name}: a notebook must be a JSON object.");
        }

        if (root["nbformat"] is JsonValue v && v.TryGetValue<int>(out var major) && major != 4)
        {
            throw new InvalidDataException($"{name}: nbformat {major} is not supported (only nbformat 4).");
        }

        if (root["cells"] is not JsonArray)
        {
            throw new InvalidDataException($"{name}: no \"cells\" array (is this an nbformat 4 notebook?).");
        }

        return new NotebookDocument(root, NotebookJsonStyle.Detect(json), path, NotebookFormat.Ipynb);
    }

    /// <summary>
    /// Parses Polyglot's .dib format: a line <c>#!kernel</c> (csharp, markdown, fsharp, …) starts a cell;
    /// <c>#!meta</c> holds the notebook's polyglot_notebook metadata as JSON. Leading and trailing blank lines
    /// of each cell are dropped, as Polyglot does.
    /// </summary>
    public static NotebookDocument ParseDib(string text, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = path is null ? "notebook.dib" : System.IO.Path.GetFileName(path);
        var lines = text.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var kernels = new HashSet<string>(KnownKernels, StringComparer.OrdinalIgnoreCase);

        // Kernel names and aliases declared in #!meta also introduce cells.
        JsonObject? polyglot = null;
        var meta = ReadDibMeta(lines, name);
        if (meta is not null)
        {
            polyglot = meta;
            if (meta["kernelInfo"]?["items"] is JsonArray items)
            {
                foreach (var item in items.OfType<JsonObject>())
                {
                    if (item["name"] is JsonValue n && n.TryGetValue<string>(out var kn))
                    {
                        kernels.Add(kn);
                    }

                    if (item["aliases"] is JsonArray aliases)
                    {
                        foreach (var a in aliases.OfType<JsonValue>())
                        {
                            if (a.TryGetValue<string>(out var alias))
                            {
                                kernels.Add(alias.TrimStart('#', '!'));
                            }
                        }
                    }
                }
            }
        }

        var doc = Create(polyglot);
        var defaultKernel = doc.DefaultKernelName;
        string? kernel = null;
        var body = new List<string>();

        void Flush()
        {
            var k = kernel ?? defaultKernel;
            var start = 0;
            var end = body.Count;
            while (start < end && string.IsNullOrWhiteSpace(body[start]))
            {
                start++;
            }

            while (end > start && string.IsNullOrWhiteSpace(body[end - 1]))
            {
                end--;
            }

            var source = string.Join("\n", body.Skip(start).Take(end - start));
            if (!string.Equals(k, "meta", StringComparison.OrdinalIgnoreCase) && (kernel is not null || source.Length > 0))
            {
                if (k is "markdown")
                {
                    doc.AddMarkdownCell(source);
                }
                else
                {
                    doc.AddCodeCell(source, k);
                }
            }

            body.Clear();
        }

        foreach (var line in lines)
        {
            var trimmed = line.TrimEnd();
            if (trimmed.StartsWith("#!", StringComparison.Ordinal) && kernels.Contains(trimmed[2..]))
            {
                if (kernel is not null || body.Any(l => !string.IsNullOrWhiteSpace(l)))
                {
                    Flush();
                }

                body.Clear();
                kernel = NormaliseKernel(trimmed[2..]);
                continue;
            }

            body.Add(line);
        }

        if (kernel is not null || body.Any(l => !string.IsNullOrWhiteSpace(l)))
        {
            Flush();
        }

        return new NotebookDocument(doc.Root, doc.Style, path, NotebookFormat.Dib);
    }

    /// <summary>
    /// An empty C# notebook with the metadata Polyglot Notebooks writes (kernelspec .net-csharp,
    /// polyglot_notebook.kernelInfo with the csharp kernel); <paramref name="polyglotMetadata"/> replaces the latter.
    /// </summary>
    public static NotebookDocument Create(JsonObject? polyglotMetadata = null)
    {
        polyglotMetadata ??= new JsonObject
        {
            ["kernelInfo"] = new JsonObject
            {
                ["defaultKernelName"] = "csharp",
                ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
            },
        };
        var root = new JsonObject
        {
            ["cells"] = new JsonArray(),
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject
                {
                    ["display_name"] = ".NET (C#)",
                    ["language"] = "C#",
                    ["name"] = KernelSpecName,
                },
                ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
                ["polyglot_notebook"] = polyglotMetadata,
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 2,
        };
        return new NotebookDocument(root, NotebookJsonStyle.Default, null, NotebookFormat.Ipynb);
    }

    /// <summary>Appends a markdown cell.</summary>
    public NotebookCell AddMarkdownCell(string source)
    {
        var cell = new JsonObject
        {
            ["cell_type"] = "markdown",
            ["metadata"] = new JsonObject(),
            ["source"] = NotebookJson.ToLines(source),
        };
        CellArray.Add(cell);
        return new NotebookCell(this, cell, CellArray.Count - 1);
    }

    /// <summary>Appends a code cell for a kernel (default csharp) with the metadata Polyglot writes.</summary>
    public NotebookCell AddCodeCell(string source, string kernel = "csharp")
    {
        kernel = NormaliseKernel(kernel);
        var cell = new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["metadata"] = new JsonObject
            {
                ["dotnet_interactive"] = new JsonObject { ["language"] = kernel },
                ["polyglot_notebook"] = new JsonObject { ["kernelName"] = kernel },
            },
            ["outputs"] = new JsonArray(),
            ["source"] = NotebookJson.ToLines(source),
        };
        CellArray.Add(cell);
        return new NotebookCell(this, cell, CellArray.Count - 1);
    }

    /// <summary>The notebook as .ipynb JSON, in <see cref="Style"/>.</summary>
    public string ToJson() => NotebookJson.Write(Root, Style);

    /// <summary>Writes the notebook as .ipynb JSON (UTF-8, no BOM), atomically through a temporary file.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        var tmp = System.IO.Path.Combine(dir, "." + System.IO.Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            File.WriteAllText(tmp, ToJson(), new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp))
            {
                File.Delete(tmp);
            }
        }
    }

    /// <summary>Maps kernel aliases to Polyglot's kernel names: c# → csharp, f# → fsharp, md → markdown.</summary>
    public static string NormaliseKernel(string kernel) => kernel.Trim().ToLowerInvariant() switch
    {
        "c#" or "csharp" or "cs" => "csharp",
        "f#" or "fsharp" => "fsharp",
        "md" or "markdown" => "markdown",
        "powershell" or "pwsh" => "pwsh",
        "js" or "javascript" => "javascript",
        var k => k,
    };

    internal static JsonObject GetOrCreateObject(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[key] = created;
        return created;
    }

    private static JsonObject? ReadDibMeta(string[] lines, string name)
    {
        var start = Array.FindIndex(lines, l => l.TrimEnd() == "#!meta");
        if (start < 0)
        {
            return null;
        }

        var sb = new StringBuilder();
        for (var i = start + 1; i < lines.Length; i++)
        {
            var t = lines[i].TrimEnd();
            if (t.StartsWith("#!", StringComparison.Ordinal) && KnownKernels.Contains(t[2..]))
            {
                break;
            }

            sb.Append(lines[i]).Append('\n');
        }

        var json = sb.ToString().Trim();
        if (json.Length == 0)
        {
            return null;
        }

        try
        {
            return NotebookJson.Parse(json) as JsonObject;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{name}: the #!meta cell is not valid JSON: {e.Message}", e);
        }
    }
}

/// <summary>One cell of a <see cref="NotebookDocument"/>: a view over its JSON object.</summary>
public sealed class NotebookCell
{
    private readonly NotebookDocument _document;

    internal NotebookCell(NotebookDocument document, JsonObject json, int index)
    {
        _document = document;
        Json = json;
        Index = index;
    }

    /// <summary>The cell's JSON object.</summary>
    public JsonObject Json { get; }

    /// <summary>Position in the notebook, from 0.</summary>
    public int Index { get; }

    /// <summary>Position in the notebook, from 1 (how cells are named in messages).</summary>
    public int Number => Index + 1;

    /// <summary>"code", "markdown" or "raw".</summary>
    public string CellType => Json["cell_type"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "code";

    /// <summary>Whether this is a code cell.</summary>
    public bool IsCode => CellType == "code";

    /// <summary>Whether this is a markdown cell.</summary>
    public bool IsMarkdown => CellType == "markdown";

    /// <summary>The cell's source text (nbformat's array of lines joined).</summary>
    public string Source
    {
        get => NotebookJson.FromLines(Json["source"]);
        set => Json["source"] = NotebookJson.ToLines(value);
    }

    /// <summary>
    /// The kernel of a code cell: metadata.polyglot_notebook.kernelName, else metadata.dotnet_interactive.language,
    /// else the notebook's default kernel; normalised (c# → csharp).
    /// </summary>
    public string KernelName
    {
        get
        {
            var meta = Json["metadata"];
            if (meta?["polyglot_notebook"]?["kernelName"] is JsonValue k && k.TryGetValue<string>(out var kn))
            {
                return NotebookDocument.NormaliseKernel(kn);
            }

            if (meta?["dotnet_interactive"]?["language"] is JsonValue l && l.TryGetValue<string>(out var ln))
            {
                return NotebookDocument.NormaliseKernel(ln);
            }

            return _document.DefaultKernelName;
        }
    }

    /// <summary>The outputs array of a code cell, or null.</summary>
    public JsonArray? Outputs => Json["outputs"] as JsonArray;

    /// <summary>The execution count, or null.</summary>
    public int? ExecutionCount => Json["execution_count"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : null;

    /// <summary>Replaces the outputs and the execution count, keeping every other field and the field order.</summary>
    public void SetOutputs(IEnumerable<JsonObject> outputs, int? executionCount)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var array = new JsonArray();
        foreach (var o in outputs)
        {
            array.Add(o.Parent is null ? o : o.DeepClone());
        }

        JsonNode? count = executionCount is int c ? JsonValue.Create(c) : null;
        if (Json.ContainsKey("execution_count"))
        {
            Json["execution_count"] = count;
        }
        else
        {
            InsertSorted("execution_count", count);
        }

        if (Json.ContainsKey("outputs"))
        {
            Json["outputs"] = array;
        }
        else
        {
            InsertSorted("outputs", array);
        }
    }

    // Jupyter and VS Code write cell fields in alphabetical order; a new field goes where they would put it.
    private void InsertSorted(string key, JsonNode? value)
    {
        var index = 0;
        foreach (var (k, _) in Json)
        {
            if (string.CompareOrdinal(k, key) > 0)
            {
                break;
            }

            index++;
        }

        Json.Insert(index, key, value);
    }
}
