using System.Buffers.Binary;
using System.Text;

namespace Iau.Interop;

/// <summary>
/// Reads a pickle's opcodes without unpickling it, and refuses it unless every class or function it names is one
/// that a <c>state_dict</c> written by <c>torch.save</c> needs: <c>collections.OrderedDict</c>, the tensor
/// rebuilders <c>torch._utils._rebuild_tensor(_v2)</c> and the storage types (<c>torch.FloatStorage</c>, …).
/// <para>
/// Why: Python's unpickler calls whatever a pickle names (<c>os.system</c>, <c>builtins.eval</c>, …). The .NET
/// unpickler under TorchSharp.PyBridge (Razorvine.Pickle) runs no Python, but it does build whatever .NET object is
/// registered, process-wide, for a name, and turns every unknown name into a dictionary, so a crafted file reaches
/// code paths nobody meant it to. Checked first, such a file is refused naming what it refers to, and nothing in it
/// is built.
/// </para>
/// <para>
/// Names come from <c>GLOBAL</c> and <c>INST</c> (inline) and from <c>STACK_GLOBAL</c>, whose two strings must have
/// been pushed by the two value-pushing opcodes right before it (literals, or memo entries holding literals), as
/// Python's pickler writes them; a <c>STACK_GLOBAL</c> whose name cannot be read that way is refused. Extension
/// codes (<c>EXT1/2/4</c>), text persistent ids and out-of-band buffers, which <c>torch.save</c> never writes, are
/// refused too.
/// </para>
/// </summary>
internal static class PickleGuard
{
    private static readonly HashSet<string> Storages =
    [
        "DoubleStorage", "FloatStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage", "ShortStorage",
        "CharStorage", "ByteStorage", "BoolStorage", "ComplexDoubleStorage", "ComplexFloatStorage",
    ];

    /// <summary>Whether a state_dict may refer to <paramref name="module"/>.<paramref name="name"/>.</summary>
    public static bool IsAllowed(string module, string name) => (module, name) switch
    {
        ("collections", "OrderedDict") => true,
        ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_tensor") => true,
        ("torch", _) => Storages.Contains(name),
        _ => false,
    };

    /// <summary>
    /// Checks the pickle <paramref name="data"/> (the archive's data.pkl) of <paramref name="file"/>.
    /// </summary>
    /// <exception cref="PyTorchFormatException">It names something other than tensors and plain containers, or is malformed.</exception>
    public static void Check(string file, ReadOnlySpan<byte> data)
    {
        var memo = new Dictionary<long, string?>();
        string? top = null;
        string? below = null;
        var pos = 0;

        // The value just pushed (a known string, or null for anything else): what was on top is now below it.
        void Push(string? value)
        {
            below = top;
            top = value;
        }

        void Unknown()
        {
            below = null;
            top = null;
        }

        while (true)
        {
            if (pos >= data.Length)
            {
                throw Malformed(file, "its pickle ends without a STOP opcode (truncated)");
            }

            var at = pos;
            var op = data[pos++];
            switch (op)
            {
                case (byte)'.': // STOP
                    return;
                case 0x80: // PROTO
                    Take(file, data, ref pos, 1);
                    break;
                case 0x95: // FRAME
                    Take(file, data, ref pos, 8);
                    break;
                case (byte)'c': // GLOBAL
                case (byte)'i': // INST
                    {
                        var module = Line(file, data, ref pos);
                        var name = Line(file, data, ref pos);
                        Require(file, module, name, at);
                        if (op == 'c')
                        {
                            Push(null);
                        }
                        else
                        {
                            Unknown();
                        }

                        break;
                    }

                case 0x93: // STACK_GLOBAL
                    if (top is null || below is null)
                    {
                        throw Malformed(file, $"its pickle builds a class or function name at byte {at} in a way torch.save never writes (STACK_GLOBAL without two literal strings); the kit does not read it");
                    }

                    Require(file, below, top, at);
                    Unknown();
                    break;
                case 0x82 or 0x83 or 0x84: // EXT1, EXT2, EXT4
                    throw Malformed(file, $"its pickle refers to a registered extension code (opcode EXT at byte {at}), which torch.save never writes; the kit does not read it");
                case (byte)'P': // PERSID (text)
                    throw Malformed(file, $"its pickle holds a text persistent id (byte {at}), which torch.save never writes; the kit does not read it");
                case 0x97 or 0x98: // NEXT_BUFFER, READONLY_BUFFER
                    throw Malformed(file, $"its pickle refers to out-of-band buffers (byte {at}), which torch.save never writes; the kit does not read it");

                // Strings: pushed, and remembered for STACK_GLOBAL.
                case (byte)'X': // BINUNICODE
                    Push(Utf8(file, Take(file, data, ref pos, Length4(file, data, ref pos))));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    Push(Utf8(file, Take(file, data, ref pos, Take(file, data, ref pos, 1)[0])));
                    break;
                case 0x8d: // BINUNICODE8
                    Push(Utf8(file, Take(file, data, ref pos, Length8(file, data, ref pos))));
                    break;
                case (byte)'V': // UNICODE (raw-unicode-escaped line)
                case (byte)'S': // STRING (quoted line)
                    Line(file, data, ref pos);
                    Push(null);
                    break;
                case (byte)'T': // BINSTRING
                    Take(file, data, ref pos, Length4(file, data, ref pos));
                    Push(null);
                    break;
                case (byte)'U': // SHORT_BINSTRING
                    Take(file, data, ref pos, Take(file, data, ref pos, 1)[0]);
                    Push(null);
                    break;

                // Memo.
                case (byte)'p': // PUT
                    memo[ParseIndex(file, Line(file, data, ref pos))] = top;
                    break;
                case (byte)'q': // BINPUT
                    memo[Take(file, data, ref pos, 1)[0]] = top;
                    break;
                case (byte)'r': // LONG_BINPUT
                    memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(file, data, ref pos, 4))] = top;
                    break;
                case 0x94: // MEMOIZE
                    memo[memo.Count] = top;
                    break;
                case (byte)'g': // GET
                    Push(memo.GetValueOrDefault(ParseIndex(file, Line(file, data, ref pos))));
                    break;
                case (byte)'h': // BINGET
                    Push(memo.GetValueOrDefault(Take(file, data, ref pos, 1)[0]));
                    break;
                case (byte)'j': // LONG_BINGET
                    Push(memo.GetValueOrDefault(BinaryPrimitives.ReadUInt32LittleEndian(Take(file, data, ref pos, 4))));
                    break;

                // Other values pushed.
                case (byte)'I' or (byte)'L' or (byte)'F': // INT, LONG, FLOAT (text lines)
                    Line(file, data, ref pos);
                    Push(null);
                    break;
                case (byte)'J': // BININT
                    Take(file, data, ref pos, 4);
                    Push(null);
                    break;
                case (byte)'K': // BININT1
                    Take(file, data, ref pos, 1);
                    Push(null);
                    break;
                case (byte)'M': // BININT2
                    Take(file, data, ref pos, 2);
                    Push(null);
                    break;
                case (byte)'G': // BINFLOAT
                    Take(file, data, ref pos, 8);
                    Push(null);
                    break;
                case 0x8a: // LONG1
                    Take(file, data, ref pos, Take(file, data, ref pos, 1)[0]);
                    Push(null);
                    break;
                case 0x8b: // LONG4
                    Take(file, data, ref pos, Length4(file, data, ref pos));
                    Push(null);
                    break;
                case (byte)'B': // BINBYTES
                    Take(file, data, ref pos, Length4(file, data, ref pos));
                    Push(null);
                    break;
                case (byte)'C': // SHORT_BINBYTES
                    Take(file, data, ref pos, Take(file, data, ref pos, 1)[0]);
                    Push(null);
                    break;
                case 0x8e or 0x96: // BINBYTES8, BYTEARRAY8
                    Take(file, data, ref pos, Length8(file, data, ref pos));
                    Push(null);
                    break;
                case (byte)'(' or (byte)'N' or 0x88 or 0x89 or (byte)'}' or (byte)']' or (byte)')' or 0x8f: // MARK, NONE, TRUE, FALSE, empty containers
                    Push(null);
                    break;

                // Opcodes without arguments that rearrange the stack: build containers, call constructors the
                // checked names gave, persistent ids (torch.save's tensor storages).
                case (byte)'0' or (byte)'1' or (byte)'2' // POP, POP_MARK, DUP
                    or (byte)'a' or (byte)'e' or (byte)'s' or (byte)'u' or 0x90 // APPEND(S), SETITEM(S), ADDITEMS
                    or (byte)'d' or (byte)'l' or (byte)'t' or 0x85 or 0x86 or 0x87 or 0x91 // DICT, LIST, TUPLE(1,2,3), FROZENSET
                    or (byte)'R' or (byte)'b' or (byte)'o' or 0x81 or 0x92 // REDUCE, BUILD, OBJ, NEWOBJ, NEWOBJ_EX
                    or (byte)'Q': // BINPERSID
                    Unknown();
                    break;
                default:
                    throw Malformed(file, $"its pickle has an unknown opcode 0x{op:x2} at byte {at}; it is not a file torch.save wrote");
            }
        }
    }

    private static void Require(string file, string module, string name, int at)
    {
        if (IsAllowed(module, name))
        {
            return;
        }

        var what = $"{module}.{name}";
        var hint = module switch
        {
            _ when module.StartsWith("__torch__", StringComparison.Ordinal) =>
                "it is a TorchScript archive (torch.jit.save); save the model's weights with torch.save(model.state_dict(), path)",
            "torch._utils" when name == "_rebuild_parameter" =>
                "it holds nn.Parameter objects, as a whole pickled model does; save tensors: torch.save(model.state_dict(), path)",
            _ when module.StartsWith("torch.nn", StringComparison.Ordinal) || module == "__main__" =>
                "it looks like a whole model saved with torch.save(model, path); save its weights with torch.save(model.state_dict(), path)",
            _ when module.StartsWith("numpy", StringComparison.Ordinal) =>
                "it holds numpy objects; a state_dict holds torch tensors only",
            _ => "a state_dict holds only tensors and plain containers (dict, list, tuple, numbers, text)",
        };
        throw new PyTorchFormatException(file,
            $"refused: its pickle refers to {what} (byte {at}), which is neither a tensor nor a plain container; {hint}. Nothing in the file was run or built.");
    }

    private static PyTorchFormatException Malformed(string file, string problem) => new(file, problem);

    private static ReadOnlySpan<byte> Take(string file, ReadOnlySpan<byte> data, ref int pos, long count)
    {
        if (count < 0 || count > data.Length - pos)
        {
            throw Malformed(file, $"its pickle is truncated or corrupt (a length of {count} bytes at byte {pos} runs past its end)");
        }

        var s = data.Slice(pos, (int)count);
        pos += (int)count;
        return s;
    }

    private static long Length4(string file, ReadOnlySpan<byte> data, ref int pos) =>
        BinaryPrimitives.ReadUInt32LittleEndian(Take(file, data, ref pos, 4));

    private static long Length8(string file, ReadOnlySpan<byte> data, ref int pos)
    {
        var n = BinaryPrimitives.ReadUInt64LittleEndian(Take(file, data, ref pos, 8));
        return n > int.MaxValue ? -1 : (long)n;
    }

    private static string Line(string file, ReadOnlySpan<byte> data, ref int pos)
    {
        var rest = data[pos..];
        var end = rest.IndexOf((byte)'\n');
        if (end < 0)
        {
            throw Malformed(file, $"its pickle is truncated or corrupt (a line at byte {pos} has no end)");
        }

        var text = Utf8(file, rest[..end]);
        pos += end + 1;
        return text;
    }

    private static string Utf8(string file, ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new PyTorchFormatException(file, "its pickle holds text that is not valid UTF-8; it is not a file torch.save wrote", e);
        }
    }

    private static long ParseIndex(string file, string text) =>
        long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var i)
            ? i
            : throw Malformed(file, $"its pickle has a memo index '{text}' that is not a number");
}
