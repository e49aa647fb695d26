using Iau.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Iau.Tests.Runtime;

public class ElfVersionPatcherTests
{
    private const string Missing = "GLIBCXX_3.4.32";
    private const string Hook = "_ZSt21ios_base_library_initv";

    private static byte[] Original()
    {
        var path = LibTorchSharpLoader.FindOriginal();
        Assert.NotNull(path);
        return File.ReadAllBytes(path!);
    }

    [Fact]
    public void Original_needs_GLIBCXX_3_4_32_only_for_the_ios_base_hook()
    {
        var elf = Original();
        var need = Assert.Single(ElfVersionPatcher.ReadVersionNeeds(elf), n => n.Version == Missing);
        Assert.Equal("libstdc++.so.6", need.File);
        Assert.Equal(0, need.Flags & ElfVersionPatcher.VerFlagWeak);
        var bound = ElfVersionPatcher.ReadDynamicSymbols(elf).Where(s => (s.VersionIndex & 0x7fff) == need.Index).ToList();
        Assert.Equal(Hook, Assert.Single(bound).Name);
    }

    [Fact]
    public void Patch_makes_the_need_weak_and_renames_the_symbol_unversioned()
    {
        var elf = Original();
        var before = ElfVersionPatcher.ReadDynamicSymbols(elf);
        var result = ElfVersionPatcher.Patch(elf, [Missing], LibTorchSharpLoader.PatchableSymbols, LibTorchSharpLoader.ReplacementSymbol);

        Assert.Equal([Missing], result.WeakenedVersions);
        Assert.Equal([Hook], result.RenamedSymbols);
        var need = Assert.Single(ElfVersionPatcher.ReadVersionNeeds(elf), n => n.Version == Missing);
        Assert.Equal(ElfVersionPatcher.VerFlagWeak, need.Flags & ElfVersionPatcher.VerFlagWeak);

        var after = ElfVersionPatcher.ReadDynamicSymbols(elf);
        Assert.Equal(before.Count, after.Count);
        Assert.DoesNotContain(after, s => s.Name == Hook);
        var renamed = Assert.Single(after, s => s.Name == LibTorchSharpLoader.ReplacementSymbol);
        Assert.Equal(1, renamed.VersionIndex);

        // Nothing else changed: every other symbol keeps its name and version.
        for (var i = 0; i < before.Count; i++)
        {
            if (before[i].Name != Hook)
            {
                Assert.Equal(before[i].Name, after[i].Name);
                Assert.Equal(before[i].VersionIndex, after[i].VersionIndex);
            }
        }
    }

    [Fact]
    public void Patch_refuses_when_a_real_function_needs_the_missing_version()
    {
        var elf = Original();
        var copy = (byte[])elf.Clone();
        var ex = Assert.Throws<NotSupportedException>(() =>
            ElfVersionPatcher.Patch(copy, ["GLIBCXX_3.4.30"], LibTorchSharpLoader.PatchableSymbols, LibTorchSharpLoader.ReplacementSymbol));
        Assert.Contains("GLIBCXX_3.4.30", ex.Message);
        Assert.Equal(elf, copy);
    }

    [Fact]
    public void Patch_rejects_non_elf_input()
    {
        Assert.Throws<InvalidDataException>(() =>
            ElfVersionPatcher.Patch(new byte[128], [Missing], LibTorchSharpLoader.PatchableSymbols, LibTorchSharpLoader.ReplacementSymbol));
    }

    [Fact]
    public void System_libstdcxx_definitions_are_read()
    {
        var path = LibTorchSharpLoader.FindLibStdCxx();
        Assert.NotNull(path);
        var defs = ElfVersionPatcher.ReadVersionDefinitions(File.ReadAllBytes(path!));
        Assert.Contains("GLIBCXX_3.4", defs);
        Assert.Contains("CXXABI_1.3", defs);
    }

    [Fact]
    public void Runtime_loads_TorchSharp_and_it_computes_and_differentiates()
    {
        var info = TestRuntime.Ensure();
        var defs = ElfVersionPatcher.ReadVersionDefinitions(File.ReadAllBytes(LibTorchSharpLoader.FindLibStdCxx()!));
        // The fix is reported exactly when the system library lacks the version.
        Assert.Equal(!defs.Contains(Missing), info.NativeFix is not null);

        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        var b = tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, a.matmul(b).data<float>().ToArray());

        var w = tensor(new float[] { 1, -2, 3 }, requires_grad: true);
        var loss = (w * w).sum() + w.sum();
        loss.backward();
        Assert.Equal(new float[] { 3, -3, 7 }, w.grad!.data<float>().ToArray());
    }
}
