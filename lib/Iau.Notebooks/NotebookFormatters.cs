using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Iau.Notebooks;

/// <summary>Well-known MIME types of notebook outputs.</summary>
public static class MimeTypes
{
    /// <summary>Plain text.</summary>
    public const string PlainText = "text/plain";

    /// <summary>HTML.</summary>
    public const string Html = "text/html";

    /// <summary>Markdown.</summary>
    public const string Markdown = "text/markdown";

    /// <summary>A PNG image, base64-encoded in the notebook.</summary>
    public const string Png = "image/png";

    /// <summary>An SVG image.</summary>
    public const string Svg = "image/svg+xml";

    /// <summary>JSON, stored as a JSON value in the notebook.</summary>
    public const string Json = "application/json";
}

/// <summary>What a formatter may use while formatting a value: the run it belongs to and its resources.</summary>
public sealed class FormatContext : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, object> _items = new(StringComparer.Ordinal);

    /// <summary>A context for a run of the notebook at <paramref name="notebookPath"/>.</summary>
    public FormatContext(string? notebookPath = null, bool renderImages = true, CancellationToken cancellationToken = default)
    {
        NotebookPath = notebookPath;
        RenderImages = renderImages;
        CancellationToken = cancellationToken;
    }

    /// <summary>A context with no notebook, for formatting outside a run.</summary>
    public static FormatContext None { get; } = new(renderImages: false);

    /// <summary>The notebook being run, or null.</summary>
    public string? NotebookPath { get; }

    /// <summary>Whether formatters may render images (e.g. charts to PNG through a browser).</summary>
    public bool RenderImages { get; }

    /// <summary>Cancelled when the run is cancelled or the cell times out.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// A resource shared by the formatters of one run (a started browser, …), created on first use; disposable
    /// resources are disposed when the run ends.
    /// </summary>
    public T GetOrAdd<T>(string key, Func<T> factory)
        where T : class => (T)_items.GetOrAdd(key, _ => factory());

    /// <summary>Disposes the resources created through <see cref="GetOrAdd{T}"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var item in _items.Values)
        {
            try
            {
                switch (item)
                {
                    case IAsyncDisposable a:
                        await a.DisposeAsync().ConfigureAwait(false);
                        break;
                    case IDisposable d:
                        d.Dispose();
                        break;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A resource that fails to close must not fail the run.
            }
        }

        _items.Clear();
    }
}

/// <summary>
/// How values become notebook outputs: a MIME bundle (MIME type → content; image/png as base64). Formatters
/// registered here win over the defaults; the most specific registration for a value's type is used (the type
/// itself, then its base types, then its interfaces, then predicates, last registered first). Default: text/plain
/// (strings as they are, numbers in the invariant culture, sequences and dictionaries listed, plain objects by
/// their public properties) and, on request, text/html as escaped &lt;pre&gt; text.
/// </summary>
public static class NotebookFormatters
{
    private const int MaxItems = 20;
    private static readonly List<Registration> Registrations = [];
    private static readonly Lock Gate = new();

    /// <summary>Registers a formatter for values of type <typeparamref name="T"/> (and derived types).</summary>
    public static void Register<T>(Func<T, IReadOnlyDictionary<string, string>> mimeBundle)
    {
        ArgumentNullException.ThrowIfNull(mimeBundle);
        Register(typeof(T), (value, _) => mimeBundle((T)value));
    }

    /// <summary>Registers a formatter that uses the run's <see cref="FormatContext"/>.</summary>
    public static void Register<T>(Func<T, FormatContext, IReadOnlyDictionary<string, string>> mimeBundle)
    {
        ArgumentNullException.ThrowIfNull(mimeBundle);
        Register(typeof(T), (value, ctx) => mimeBundle((T)value, ctx));
    }

    /// <summary>
    /// Registers a formatter for a type given at run time. An open generic type (<c>typeof(Frame&lt;,&gt;)</c>)
    /// matches every type constructed from it, and types derived from those.
    /// </summary>
    public static void Register(Type type, Func<object, FormatContext, IReadOnlyDictionary<string, string>> mimeBundle)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(mimeBundle);
        lock (Gate)
        {
            Registrations.RemoveAll(r => r.Type == type);
            Registrations.Add(new Registration(type, null, mimeBundle));
        }
    }

    /// <summary>Registers a formatter for every value whose type satisfies <paramref name="predicate"/>.</summary>
    public static void Register(Func<Type, bool> predicate, Func<object, FormatContext, IReadOnlyDictionary<string, string>> mimeBundle)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        ArgumentNullException.ThrowIfNull(mimeBundle);
        lock (Gate)
        {
            Registrations.Add(new Registration(null, predicate, mimeBundle));
        }
    }

    /// <summary>Removes the formatter registered for exactly this type; returns whether there was one.</summary>
    public static bool Unregister(Type type)
    {
        lock (Gate)
        {
            return Registrations.RemoveAll(r => r.Type == type) > 0;
        }
    }

    /// <summary>
    /// The MIME bundle of a value. With <paramref name="mimeTypes"/>, only those types (a registered formatter's
    /// entries where it has them, else the defaults for text/plain, text/html and application/json). Always non-empty.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Format(object? value, FormatContext? context = null, params string[] mimeTypes)
    {
        context ??= FormatContext.None;
        var wanted = mimeTypes is { Length: > 0 } ? mimeTypes : null;
        IReadOnlyDictionary<string, string>? custom = null;
        string? failure = null;
        if (value is not null && Find(value.GetType()) is { } formatter)
        {
            try
            {
                custom = formatter(value, context);
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                // A broken formatter must not lose the value: fall back to the defaults, and say so.
                failure = $" (formatter for {value.GetType().Name} failed: {e.GetType().Name}: {e.Message})";
            }
        }

        var bundle = new Dictionary<string, string>(StringComparer.Ordinal);
        if (wanted is null)
        {
            if (custom is not null)
            {
                foreach (var (k, v) in custom)
                {
                    bundle[k] = v;
                }
            }

            if (!bundle.ContainsKey(MimeTypes.PlainText))
            {
                bundle[MimeTypes.PlainText] = ToPlainText(value) + failure;
            }

            return bundle;
        }

        foreach (var mime in wanted)
        {
            if (custom is not null && custom.TryGetValue(mime, out var c))
            {
                bundle[mime] = c;
                continue;
            }

            bundle[mime] = mime switch
            {
                MimeTypes.PlainText => ToPlainText(value),
                MimeTypes.Html => "<pre>" + WebUtility.HtmlEncode(ToPlainText(value)) + "</pre>",
                MimeTypes.Json => JsonSerializer.Serialize(value),
                _ => value as string ?? ToPlainText(value),
            };
        }

        return bundle;
    }

    /// <summary>The default plain-text form of a value (what text/plain shows when no formatter is registered).</summary>
    public static string ToPlainText(object? value) => ToPlainText(value, 0);

    private static string ToPlainText(object? value, int depth)
    {
        switch (value)
        {
            case null:
                return "<null>";
            case string s:
                return depth == 0 ? s : "\"" + s + "\"";
            case char ch:
                return depth == 0 ? ch.ToString() : "'" + ch + "'";
            case bool b:
                return b ? "True" : "False";
            case Type t:
                return t.FullName ?? t.Name;
            case Exception e:
                return e.ToString();
            case IFormattable f:
                return f.ToString(null, CultureInfo.InvariantCulture);
        }

        if (depth >= 2)
        {
            return value.ToString() ?? string.Empty;
        }

        if (value is IDictionary dict)
        {
            var items = new List<string>();
            foreach (DictionaryEntry e in dict)
            {
                if (items.Count == MaxItems)
                {
                    items.Add("…");
                    break;
                }

                items.Add(ToPlainText(e.Key, depth + 1) + ": " + ToPlainText(e.Value, depth + 1));
            }

            return "{ " + string.Join(", ", items) + " }";
        }

        if (value is IEnumerable seq)
        {
            var items = new List<string>();
            var count = 0;
            foreach (var item in seq)
            {
                if (count++ == MaxItems)
                {
                    items.Add("…");
                    break;
                }

                items.Add(ToPlainText(item, depth + 1));
            }

            var multiLine = items.Any(i => i.Contains('\n', StringComparison.Ordinal)) || items.Sum(i => i.Length) > 100;
            return multiLine ? "[\n  " + string.Join(",\n  ", items) + "\n]" : "[ " + string.Join(", ", items) + " ]";
        }

        var type = value.GetType();
        var text = value.ToString();
        if (text is not null && text != type.ToString())
        {
            return text;
        }

        // A plain object without its own ToString: its public properties.
        var props = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.CanRead)
            .Take(MaxItems)
            .Select(p =>
            {
                object? v;
                try
                {
                    v = p.GetValue(value);
                }
                catch (TargetInvocationException e)
                {
                    v = $"<{e.InnerException?.GetType().Name ?? "error"}>";
                }

                return p.Name + " = " + ToPlainText(v, depth + 1);
            })
            .ToList();
        return props.Count == 0 ? type.Name : type.Name + " { " + string.Join(", ", props) + " }";
    }

    private static Func<object, FormatContext, IReadOnlyDictionary<string, string>>? Find(Type type)
    {
        Registration[] registrations;
        lock (Gate)
        {
            registrations = [.. Registrations];
        }

        if (registrations.Length == 0)
        {
            return null;
        }

        // The type itself and its base types, most derived first.
        for (var t = type; t is not null; t = t.BaseType)
        {
            var generic = t.IsGenericType ? t.GetGenericTypeDefinition() : null;
            for (var i = registrations.Length - 1; i >= 0; i--)
            {
                var r = registrations[i];
                if (r.Type is not null && (r.Type == t || r.Type == generic))
                {
                    return r.Formatter;
                }
            }
        }

        var interfaces = type.GetInterfaces();
        for (var i = registrations.Length - 1; i >= 0; i--)
        {
            var r = registrations[i];
            if (r.Type is { IsInterface: true } it &&
                interfaces.Any(x => x == it || (x.IsGenericType && x.GetGenericTypeDefinition() == it)))
            {
                return r.Formatter;
            }
        }

        for (var i = registrations.Length - 1; i >= 0; i--)
        {
            if (registrations[i].Predicate is { } p && p(type))
            {
                return registrations[i].Formatter;
            }
        }

        return null;
    }

    private sealed record Registration(
        Type? Type, Func<Type, bool>? Predicate, Func<object, FormatContext, IReadOnlyDictionary<string, string>> Formatter);
}

/// <summary>Small helpers for formatters that build HTML.</summary>
public static class Html
{
    /// <summary>HTML-escapes text.</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    /// <summary>An HTML table (header row, then rows), all cells escaped.</summary>
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, string? caption = null)
    {
        var sb = new StringBuilder("<table>");
        if (caption is not null)
        {
            sb.Append("<caption>").Append(Encode(caption)).Append("</caption>");
        }

        sb.Append("<thead><tr>");
        foreach (var h in header)
        {
            sb.Append("<th>").Append(Encode(h)).Append("</th>");
        }

        sb.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            sb.Append("<tr>");
            foreach (var c in row)
            {
                sb.Append("<td>").Append(Encode(c)).Append("</td>");
            }

            sb.Append("</tr>");
        }

        return sb.Append("</tbody></table>").ToString();
    }
}
