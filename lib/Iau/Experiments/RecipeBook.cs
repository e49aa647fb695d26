using System.Globalization;
using System.Text.Json;
using Iau.Unlearning;

namespace Iau.Experiments;

/// <summary>
/// Tuned method options read from recipe files, <c>data/recipes/&lt;dataset&gt;-&lt;model&gt;-&lt;forget&gt;.json</c>
/// (written by <c>iau tune</c>; &lt;forget&gt; is <c>random-0.05</c>, <c>random-0.1</c> or <c>classwise</c>).
/// Only <c>methods.&lt;name&gt;.options</c> (an array of "key=value" strings) is read here; the rest of the
/// file (objective, budget, seeds, search space) documents how the values were found. No folder or no file
/// for a setting means no tuned rows for it.
/// </summary>
internal sealed class RecipeBook
{
    private readonly string? directory;
    private readonly Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>?> files = new(StringComparer.Ordinal);

    private RecipeBook(string? directory) => this.directory = directory;

    /// <summary>A book without recipes (only reference-default rows).</summary>
    public static RecipeBook Empty { get; } = new(null);

    /// <summary>The folder read, or null when there is none.</summary>
    public string? Directory => directory;

    /// <summary>
    /// The recipes of <paramref name="explicitDirectory"/> when given, else of <c>data/recipes</c> in the
    /// repository found by walking up from the current directory to the folder that holds Iau.Research.sln.
    /// </summary>
    public static RecipeBook Open(string? explicitDirectory)
    {
        return explicitDirectory is not null
            ? new RecipeBook(Path.GetFullPath(explicitDirectory))
            : Discover(System.IO.Directory.GetCurrentDirectory());
    }

    /// <summary>The recipes of data/recipes in the first folder at or above <paramref name="start"/> that holds Iau.Research.sln.</summary>
    internal static RecipeBook Discover(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Iau.Research.sln")))
            {
                return new RecipeBook(Path.Combine(dir.FullName, "data", "recipes"));
            }
        }

        return Empty;
    }

    /// <summary>The recipe label of a spec's forget set: "classwise", or "random-&lt;ratio&gt;" (e.g. random-0.05).</summary>
    public static string ForgetLabel(ExperimentSpec spec) =>
        spec.ForgetClass is not null ? "classwise" : "random-" + spec.ForgetRatio.ToString(CultureInfo.InvariantCulture);

    /// <summary>The recipe file of a setting (whether or not it exists); null without a folder.</summary>
    public string? PathFor(ExperimentSpec spec) =>
        directory is null ? null : Path.Combine(directory, $"{spec.Dataset}-{spec.Model}-{ForgetLabel(spec)}.json");

    /// <summary>The tuned options of <paramref name="method"/> for the spec's setting, or null when no recipe has them.</summary>
    /// <exception cref="InvalidDataException">The recipe file is not valid; the message names the file and the field.</exception>
    public IReadOnlyList<string>? OptionsFor(ExperimentSpec spec, string method)
    {
        var path = PathFor(spec);
        if (path is null)
        {
            return null;
        }

        if (!files.TryGetValue(path, out var methods))
        {
            methods = File.Exists(path) ? Read(path) : null;
            files[path] = methods;
        }

        return methods is not null && methods.TryGetValue(method, out var o) ? o : null;
    }

    /// <summary>Reads methods.&lt;name&gt;.options of a recipe file.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<string>> Read(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: a recipe must be a JSON object.");
            }

            if (root.TryGetProperty("schema", out var schema) && !(schema.ValueKind == JsonValueKind.Number && schema.TryGetInt32(out var s) && s == 1))
            {
                throw new InvalidDataException($"{path}: field 'schema' is {schema.GetRawText()}; this kit reads schema 1.");
            }

            if (!root.TryGetProperty("methods", out var methods) || methods.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: field 'methods' (an object of method name → {{\"options\": [...]}}) is missing.");
            }

            var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var m in methods.EnumerateObject())
            {
                if (m.Value.ValueKind != JsonValueKind.Object || !m.Value.TryGetProperty("options", out var options) || options.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidDataException($"{path}: field 'methods.{m.Name}.options' must be an array of \"key=value\" strings.");
                }

                var list = new List<string>();
                foreach (var o in options.EnumerateArray())
                {
                    var text = o.ValueKind == JsonValueKind.String ? o.GetString()! : string.Empty;
                    if (text.IndexOf('=', StringComparison.Ordinal) <= 0)
                    {
                        throw new InvalidDataException($"{path}: 'methods.{m.Name}.options' holds {o.GetRawText()}, not a \"key=value\" string.");
                    }

                    list.Add(text);
                }

                // Checked now, before any cell runs: a bad value (lr=-1) or an unknown key would otherwise fail a
                // tuned cell deep in the run, with a message that names neither this file nor the field.
                try
                {
                    _ = UnlearningMethods.Create(m.Name, MethodSettings.Parse(list));
                }
                catch (UnknownMethodException)
                {
                    throw new InvalidDataException($"{path}: field 'methods.{m.Name}': unknown method '{m.Name}'; known: {string.Join(", ", UnlearningMethods.Names)}.");
                }
                catch (ArgumentException e)
                {
                    throw new InvalidDataException($"{path}: field 'methods.{m.Name}.options' [{string.Join(", ", list)}]: {e.Message.Split(" (Parameter '", 2)[0]}", e);
                }

                result[m.Name] = list;
            }

            return result;
        }
    }
}
