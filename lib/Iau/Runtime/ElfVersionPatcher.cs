using System.Buffers.Binary;
using System.Text;

namespace Iau.Runtime;

/// <summary>
/// Reads and edits the symbol-versioning tables of a 64-bit little-endian ELF shared object.
/// </summary>
/// <remarks>
/// Used to make TorchSharp's <c>libLibTorchSharp.so</c> (built against GCC 13) load on systems whose
/// libstdc++ comes from GCC 12 (Debian 12, Ubuntu 22.04). The only symbol it needs from
/// <c>GLIBCXX_3.4.32</c> is <c>std::ios_base_library_init()</c>, a no-op hook in GCC 13 (iostreams are
/// initialised by libtorch itself). The patch, applied to a private copy only:
/// <list type="number">
/// <item>marks the version need (Elf64_Vernaux) weak: <c>vna_flags |= VER_FLG_WEAK</c>, so the loader
/// tolerates its absence;</item>
/// <item>sets the versym of each symbol bound to that version to 1 (global, unversioned);</item>
/// <item>overwrites the symbol's name in <c>.dynstr</c>, in place and NUL-padded, by the name of a
/// harmless function of no arguments that the older libstdc++ exports (<c>std::get_new_handler()</c>),
/// so the now-unversioned reference still resolves and is never called with effect.</item>
/// </list>
/// </remarks>
internal static class ElfVersionPatcher
{
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;

    /// <summary>VER_FLG_WEAK: the loader does not fail when a weak version need is missing.</summary>
    internal const ushort VerFlagWeak = 0x2;

    /// <summary>A version need: a library the object depends on and a version it requires from it.</summary>
    internal sealed record VersionNeed(string File, string Version, ushort Flags, ushort Index, int FlagsOffset);

    /// <summary>A dynamic symbol with its version index (from .gnu.version).</summary>
    internal sealed record VersionedSymbol(string Name, ushort VersionIndex, int NameOffset, int VersymOffset);

    /// <summary>What <see cref="Patch"/> changed.</summary>
    internal sealed record PatchResult(IReadOnlyList<string> WeakenedVersions, IReadOnlyList<string> RenamedSymbols);

    private sealed record Section(uint Type, long Offset, long Size, uint Link, long EntSize);

    /// <summary>True when the bytes start with the ELF magic and describe a 64-bit little-endian object.</summary>
    internal static bool IsElf64Le(ReadOnlySpan<byte> elf) =>
        elf.Length >= 64 && elf[0] == 0x7f && elf[1] == (byte)'E' && elf[2] == (byte)'L' && elf[3] == (byte)'F'
        && elf[4] == 2 && elf[5] == 1;

    /// <summary>All version needs (.gnu.version_r) of the object.</summary>
    internal static IReadOnlyList<VersionNeed> ReadVersionNeeds(byte[] elf)
    {
        var sections = ReadSections(elf);
        var verneed = sections.FirstOrDefault(s => s.Type == ShtGnuVerneed);
        if (verneed is null)
        {
            return [];
        }

        var strtab = sections[(int)verneed.Link];
        var result = new List<VersionNeed>();
        var off = verneed.Offset;
        while (true)
        {
            var cnt = U16(elf, off + 2);
            var file = CString(elf, strtab.Offset + U32(elf, off + 4));
            var aux = off + U32(elf, off + 8);
            for (var i = 0; i < cnt; i++)
            {
                var flags = U16(elf, aux + 4);
                var other = U16(elf, aux + 6);
                var name = CString(elf, strtab.Offset + U32(elf, aux + 8));
                result.Add(new VersionNeed(file, name, flags, other, checked((int)(aux + 4))));
                var next = U32(elf, aux + 12);
                if (next == 0)
                {
                    break;
                }

                aux += next;
            }

            var vnNext = U32(elf, off + 12);
            if (vnNext == 0)
            {
                break;
            }

            off += vnNext;
        }

        return result;
    }

    /// <summary>The version names an object defines (.gnu.version_d), e.g. GLIBCXX_3.4.30 for libstdc++.</summary>
    internal static IReadOnlySet<string> ReadVersionDefinitions(byte[] elf)
    {
        var sections = ReadSections(elf);
        var verdef = sections.FirstOrDefault(s => s.Type == ShtGnuVerdef);
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (verdef is null)
        {
            return result;
        }

        var strtab = sections[(int)verdef.Link];
        var off = verdef.Offset;
        while (true)
        {
            var cnt = U16(elf, off + 6);
            var aux = off + U32(elf, off + 12);
            if (cnt > 0)
            {
                // The first Elf64_Verdaux names the version itself; later ones name its parents.
                result.Add(CString(elf, strtab.Offset + U32(elf, aux)));
            }

            var next = U32(elf, off + 16);
            if (next == 0)
            {
                break;
            }

            off += next;
        }

        return result;
    }

    /// <summary>Dynamic symbols (.dynsym) with their version indices (.gnu.version).</summary>
    internal static IReadOnlyList<VersionedSymbol> ReadDynamicSymbols(byte[] elf)
    {
        var sections = ReadSections(elf);
        var dynsym = sections.FirstOrDefault(s => s.Type == ShtDynsym)
            ?? throw new InvalidDataException("The object has no .dynsym section.");
        var versym = sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        var strtab = sections[(int)dynsym.Link];
        var count = dynsym.Size / 24;
        var result = new List<VersionedSymbol>((int)count);
        for (long i = 0; i < count; i++)
        {
            var entry = dynsym.Offset + (i * 24);
            var nameOffset = strtab.Offset + U32(elf, entry);
            var vsOffset = versym is null ? -1 : versym.Offset + (i * 2);
            var index = versym is null ? (ushort)1 : U16(elf, vsOffset);
            result.Add(new VersionedSymbol(CString(elf, nameOffset), index, checked((int)nameOffset), checked((int)vsOffset)));
        }

        return result;
    }

    /// <summary>
    /// Makes the object loadable without <paramref name="missingVersions"/>: weakens those version needs and
    /// renames every symbol bound to them to <paramref name="replacementSymbol"/> (unversioned).
    /// Only symbols in <paramref name="allowedSymbols"/> may be renamed; any other symbol bound to a missing
    /// version means the object really needs the newer library, and the patch refuses.
    /// </summary>
    internal static PatchResult Patch(
        byte[] elf,
        IReadOnlyCollection<string> missingVersions,
        IReadOnlySet<string> allowedSymbols,
        string replacementSymbol)
    {
        if (!IsElf64Le(elf))
        {
            throw new InvalidDataException("Not a 64-bit little-endian ELF object.");
        }

        var needs = ReadVersionNeeds(elf).Where(n => missingVersions.Contains(n.Version)).ToList();
        var indices = needs.Select(n => n.Index).ToHashSet();
        var symbols = ReadDynamicSymbols(elf).Where(s => indices.Contains((ushort)(s.VersionIndex & 0x7fff))).ToList();
        var forbidden = symbols.Where(s => !allowedSymbols.Contains(s.Name)).Select(s => s.Name).ToList();
        if (forbidden.Count > 0)
        {
            throw new NotSupportedException(
                $"The object needs {string.Join(", ", forbidden)} from {string.Join(", ", missingVersions)}; " +
                "these cannot be patched away safely.");
        }

        var replacement = Encoding.ASCII.GetBytes(replacementSymbol);
        foreach (var s in symbols)
        {
            if (replacement.Length > Encoding.ASCII.GetByteCount(s.Name))
            {
                throw new ArgumentException($"Replacement '{replacementSymbol}' is longer than '{s.Name}'.", nameof(replacementSymbol));
            }
        }

        foreach (var n in needs)
        {
            var flags = (ushort)(U16(elf, n.FlagsOffset) | VerFlagWeak);
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(n.FlagsOffset), flags);
        }

        foreach (var s in symbols)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(s.VersymOffset), 1);
            var span = elf.AsSpan(s.NameOffset, Encoding.ASCII.GetByteCount(s.Name));
            span.Clear();
            replacement.CopyTo(span);
        }

        return new PatchResult(needs.Select(n => n.Version).Distinct().ToList(), symbols.Select(s => s.Name).ToList());
    }

    private static List<Section> ReadSections(byte[] elf)
    {
        if (!IsElf64Le(elf))
        {
            throw new InvalidDataException("Not a 64-bit little-endian ELF object.");
        }

        var shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        var shentsize = U16(elf, 0x3A);
        var shnum = U16(elf, 0x3C);
        if (shoff <= 0 || shentsize < 64 || shoff + ((long)shnum * shentsize) > elf.Length)
        {
            throw new InvalidDataException("The ELF section header table is missing or truncated.");
        }

        var sections = new List<Section>(shnum);
        for (var i = 0; i < shnum; i++)
        {
            var h = shoff + ((long)i * shentsize);
            sections.Add(new Section(
                U32(elf, h + 4),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(checked((int)(h + 24)))),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(checked((int)(h + 32)))),
                U32(elf, h + 40),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(checked((int)(h + 56))))));
        }

        return sections;
    }

    private static ushort U16(byte[] b, long off) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(checked((int)off)));

    private static uint U32(byte[] b, long off) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(checked((int)off)));

    private static string CString(byte[] b, long off)
    {
        var start = checked((int)off);
        var end = Array.IndexOf(b, (byte)0, start);
        if (end < 0)
        {
            throw new InvalidDataException("Unterminated string in an ELF string table.");
        }

        return Encoding.ASCII.GetString(b, start, end - start);
    }
}
