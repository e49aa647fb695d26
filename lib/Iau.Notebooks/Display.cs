using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Iau.Notebooks;

/// <summary>
/// The globals of every notebook submission: what cells can call without qualification, as in Polyglot
/// Notebooks (<c>display(x)</c>).
/// </summary>
public class NotebookGlobals
{
    internal NotebookGlobals(NotebookSession session) => Session = session;

    internal NotebookSession Session { get; }

    /// <summary>Displays a value as an output of the running cell (optionally only as the given MIME types).</summary>
#pragma warning disable IDE1006 // Polyglot's name for it.
    public DisplayedValue display(object? value, params string[] mimeTypes) =>
        CellOutputs.CurrentOrFallback(Session).Display(value, mimeTypes);
#pragma warning restore IDE1006
}

/// <summary>A displayed output that can be replaced later (e.g. a progress line).</summary>
public sealed class DisplayedValue
{
    private readonly CellOutputs? _owner;
    private readonly CellOutputs.Item? _item;

    internal DisplayedValue(CellOutputs? owner, CellOutputs.Item? item)
    {
        _owner = owner;
        _item = item;
    }

    /// <summary>Replaces the displayed output by the formatted <paramref name="value"/>.</summary>
    public void Update(object? value)
    {
        if (_owner is not null && _item is not null)
        {
            _owner.Update(_item, value);
        }
        else
        {
            Console.Out.WriteLine(NotebookFormatters.ToPlainText(value));
        }
    }
}

/// <summary>The outputs of one cell while it runs: console streams, displayed values, its result, its error.</summary>
internal class CellOutputs
{
    /// <summary>Beyond this many characters of console output per cell, the rest is dropped (notebooks stay small).</summary>
    internal const int MaxStreamChars = 500_000;

    private static readonly AsyncLocal<CellOutputs?> CurrentCell = new();
    private readonly List<Item> _items = [];
    private readonly Lock _gate = new();
    private int _streamChars;
    private bool _truncated;

    public CellOutputs(FormatContext context) => Context = context;

    /// <summary>The cell running in this asynchronous flow, or null.</summary>
    public static CellOutputs? Current
    {
        get => CurrentCell.Value;
        set => CurrentCell.Value = value;
    }

    public FormatContext Context { get; }

    /// <summary>Set when the cell has finished: console writes no longer land here.</summary>
    public bool Closed { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>
    /// The cell of this flow; else the cell the session is running (threads that did not flow the context);
    /// else a stand-in that writes text to the console (display called outside a notebook).
    /// </summary>
    public static CellOutputs CurrentOrFallback(NotebookSession? session) =>
        Current is { Closed: false } c ? c
        : session?.RunningCell is { } r ? r
        : NotebookSession.Active?.RunningCell is { } a ? a
        : Detached.Instance;

    public void WriteStream(string name, string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_truncated)
            {
                return;
            }

            if (_streamChars + text.Length > MaxStreamChars)
            {
                text = text[..Math.Max(0, MaxStreamChars - _streamChars)] + $"\n… console output truncated after {MaxStreamChars:N0} characters.\n";
                _truncated = true;
            }

            _streamChars += text.Length;
            if (_items.Count > 0 && _items[^1] is { Kind: ItemKind.Stream } last && last.StreamName == name)
            {
                last.Text.Append(text);
            }
            else
            {
                var item = new Item(ItemKind.Stream) { StreamName = name };
                item.Text.Append(text);
                _items.Add(item);
            }
        }
    }

    public virtual DisplayedValue Display(object? value, string[] mimeTypes) =>
        DisplayBundle(NotebookFormatters.Format(value, Context, mimeTypes));

    public virtual DisplayedValue DisplayBundle(IReadOnlyDictionary<string, string> bundle)
    {
        var item = new Item(ItemKind.Display) { Data = bundle };
        lock (_gate)
        {
            _items.Add(item);
        }

        return new DisplayedValue(this, item);
    }

    public void AddResult(object? value, int executionCount)
    {
        var item = new Item(ItemKind.Result) { Data = NotebookFormatters.Format(value, Context), ExecutionCount = executionCount };
        lock (_gate)
        {
            _items.Add(item);
        }
    }

    public void AddError(string ename, string evalue, IReadOnlyList<string> traceback)
    {
        var item = new Item(ItemKind.Error) { ErrorName = ename, ErrorValue = evalue, Traceback = traceback };
        lock (_gate)
        {
            _items.Add(item);
        }
    }

    public void Update(Item item, object? value)
    {
        var bundle = NotebookFormatters.Format(value, Context);
        lock (_gate)
        {
            item.Data = bundle;
        }
    }

    public void Close() => Closed = true;

    /// <summary>The outputs in nbformat 4.</summary>
    public List<JsonObject> ToJson()
    {
        lock (_gate)
        {
            return [.. _items.Select(ToJson)];
        }
    }

    private static JsonObject ToJson(Item item) => item.Kind switch
    {
        ItemKind.Stream => new JsonObject
        {
            ["name"] = item.StreamName,
            ["output_type"] = "stream",
            ["text"] = NotebookJson.ToLines(item.Text.ToString()),
        },
        ItemKind.Display => new JsonObject
        {
            ["data"] = DataToJson(item.Data!),
            ["metadata"] = new JsonObject(),
            ["output_type"] = "display_data",
        },
        ItemKind.Result => new JsonObject
        {
            ["data"] = DataToJson(item.Data!),
            ["execution_count"] = item.ExecutionCount,
            ["metadata"] = new JsonObject(),
            ["output_type"] = "execute_result",
        },
        _ => new JsonObject
        {
            ["ename"] = item.ErrorName,
            ["evalue"] = item.ErrorValue,
            ["output_type"] = "error",
            ["traceback"] = new JsonArray([.. item.Traceback!.Select(t => (JsonNode?)JsonValue.Create(t))]),
        },
    };

    /// <summary>A MIME bundle in nbformat: text types as arrays of lines, JSON types as JSON, others (base64) as one string.</summary>
    internal static JsonObject DataToJson(IReadOnlyDictionary<string, string> bundle)
    {
        var data = new JsonObject();
        foreach (var (mime, content) in bundle.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (mime == MimeTypes.Json || mime.EndsWith("+json", StringComparison.Ordinal))
            {
                try
                {
                    data[mime] = NotebookJson.Parse(content)?.DeepClone();
                    continue;
                }
                catch (JsonException)
                {
                    // Not JSON after all: stored as text.
                }
            }

            var isText = mime.StartsWith("text/", StringComparison.Ordinal) || mime is MimeTypes.Svg or "application/javascript" or "application/xml";
            data[mime] = isText ? NotebookJson.ToLines(content) : JsonValue.Create(content);
        }

        return data;
    }

    internal enum ItemKind
    {
        Stream,
        Display,
        Result,
        Error,
    }

    internal sealed class Item(ItemKind kind)
    {
        public ItemKind Kind { get; } = kind;

        public string? StreamName { get; init; }

        public StringBuilder Text { get; } = new();

        public IReadOnlyDictionary<string, string>? Data { get; set; }

        public int? ExecutionCount { get; init; }

        public string? ErrorName { get; init; }

        public string? ErrorValue { get; init; }

        public IReadOnlyList<string>? Traceback { get; init; }
    }

    /// <summary>Outside a notebook run: displayed values are written to the console as text.</summary>
    private sealed class Detached : CellOutputs
    {
        private Detached()
            : base(FormatContext.None)
        {
        }

        public static Detached Instance { get; } = new();

        public override DisplayedValue Display(object? value, string[] mimeTypes)
        {
            Console.Out.WriteLine(NotebookFormatters.ToPlainText(value));
            return new DisplayedValue(null, null);
        }

        public override DisplayedValue DisplayBundle(IReadOnlyDictionary<string, string> bundle)
        {
            Console.Out.WriteLine(bundle.TryGetValue(MimeTypes.PlainText, out var text) ? text : bundle.Values.FirstOrDefault());
            return new DisplayedValue(null, null);
        }
    }
}

/// <summary>
/// Routes Console.Out and Console.Error to the running cell (found through an AsyncLocal, so parallel runs and
/// other threads are not mixed up); writes from elsewhere go to the original writers.
/// </summary>
internal static class ConsoleCapture
{
    private static readonly Lock Gate = new();
    private static int _installs;
    private static TextWriter? _out;
    private static TextWriter? _error;

    /// <summary>Installs the routing writers (counted); dispose to uninstall when the last user is done.</summary>
    public static IDisposable Install()
    {
        lock (Gate)
        {
            if (_installs++ == 0)
            {
                _out = Console.Out;
                _error = Console.Error;
                Console.SetOut(new RoutingWriter("stdout", _out));
                Console.SetError(new RoutingWriter("stderr", _error));
            }
        }

        return new Uninstall();
    }

    private sealed class Uninstall : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0)
            {
                return;
            }

            lock (Gate)
            {
                if (--_installs == 0)
                {
                    // Only put the originals back if nobody replaced our writers meanwhile.
                    if (Console.Out is RoutingWriter || IsSynchronizedRouting(Console.Out))
                    {
                        Console.SetOut(_out!);
                    }

                    if (Console.Error is RoutingWriter || IsSynchronizedRouting(Console.Error))
                    {
                        Console.SetError(_error!);
                    }
                }
            }
        }

        // Console.SetOut wraps the writer in a synchronized one; it cannot be unwrapped, so compare by type name.
        private static bool IsSynchronizedRouting(TextWriter writer) =>
            writer.GetType().Name.Contains("Sync", StringComparison.Ordinal);
    }

    private sealed class RoutingWriter(string stream, TextWriter fallback) : TextWriter
    {
        public override Encoding Encoding => fallback.Encoding;

        public override IFormatProvider FormatProvider => fallback.FormatProvider;

        public override void Write(char value)
        {
            if (Target() is { } cell)
            {
                cell.WriteStream(stream, value.ToString());
            }
            else
            {
                fallback.Write(value);
            }
        }

        public override void Write(string? value)
        {
            if (Target() is { } cell)
            {
                cell.WriteStream(stream, value ?? string.Empty);
            }
            else
            {
                fallback.Write(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            if (Target() is { } cell)
            {
                cell.WriteStream(stream, new string(buffer, index, count));
            }
            else
            {
                fallback.Write(buffer, index, count);
            }
        }

        public override void WriteLine(string? value)
        {
            if (Target() is { } cell)
            {
                cell.WriteStream(stream, (value ?? string.Empty) + "\n");
            }
            else
            {
                fallback.WriteLine(value);
            }
        }

        public override void Flush() => fallback.Flush();

        private static CellOutputs? Target() => CellOutputs.Current is { Closed: false } c ? c : null;
    }
}
