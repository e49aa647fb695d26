using System.IO.Compression;
using Iau.Interop;
using Iau.Tests.Training;
using static TorchSharp.torch;

namespace Iau.Tests.Interop;

/// <summary>
/// What does not fit is refused with one message naming the file and what is wrong (the key, with both shapes or
/// element types), and nothing named by a file's pickle is built unless a state_dict needs it.
/// </summary>
public class PyTorchRefusalTests
{
    public PyTorchRefusalTests()
    {
        TestRuntime.Ensure();
    }

    private static string Bad(string name) => PyTorchFixture.File(Path.Combine("bad", name));

    /// <summary>Imports <paramref name="path"/> and returns the refusal's message (asserting it names the file).</summary>
    private static string Refusal(string path, string model = "logreg", long[]? shape = null, int classes = 5)
    {
        var e = Assert.Throws<PyTorchFormatException>(() => PyTorchModels.Import(path, model, shape ?? [20], classes).Dispose());
        Assert.StartsWith(path + ": ", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        return e.Message;
    }

    [Theory]
    [InlineData("whole_module.pt", "torch.nn.modules.linear.Linear", "torch.save(model.state_dict(), path)")]
    [InlineData("torchscript.pt", "__torch__", "TorchScript")]
    [InlineData("runs_a_command_global.pt", "posix.system", "Nothing in the file was run")]
    [InlineData("runs_a_command_stack_global.pt", "posix.system", "Nothing in the file was run")]
    [InlineData("training_checkpoint.pt", "'epoch' holds the number 3", "torch.save(checkpoint['state_dict'], path)")]
    [InlineData("list.pt", "no dictionary at its top level", "not a state_dict")]
    [InlineData("legacy_format.pt", "legacy format", "PyTorch 1.6 or later")]
    [InlineData("float64.pt", "'weight' holds Float64, expected Float32", "'bias' holds Float64, expected Float32")]
    public void Files_that_are_not_state_dicts_of_float32_tensors_are_refused(string file, string what, string hint)
    {
        var ran = Path.Combine(Path.GetTempPath(), "iau-pickle-ran");
        File.Delete(ran);
        var message = Refusal(Bad(file));
        Assert.Contains(what, message);
        Assert.Contains(hint, message);
        Assert.False(File.Exists(ran));
    }

    [Fact]
    public void Wrong_shapes_name_the_key_and_both_shapes()
    {
        var lenet = PyTorchFixture.StateFile("lenet5");
        var cifar = Refusal(lenet, "lenet5", [3, 32, 32], 10);
        Assert.Contains("does not fit lenet5 for input [3,32,32] and 10 classes", cifar);
        Assert.Contains("'conv1.weight' has shape [6,1,5,5], expected [6,3,5,5]", cifar);
        Assert.Contains("'fc1.weight' has shape [120,256], expected [120,400]", cifar);
        Assert.DoesNotContain("'conv2.weight'", cifar);

        var classes = Refusal(lenet, "lenet5", [1, 28, 28], 100);
        Assert.Contains("'fc3.weight' has shape [10,84], expected [100,84]", classes);
        Assert.Contains("'fc3.bias' has shape [10], expected [100]", classes);
    }

    [Fact]
    public void Missing_and_extra_keys_are_named_with_their_shapes()
    {
        using var folder = new TempFolder();
        var state = PyTorchStateDict.Read(PyTorchFixture.StateFile("lenet5"));
        state.Remove("fc3.bias");
        state["fc4.weight"] = zeros(3);
        var path = folder.File("edited.pt");
        PyTorchStateDict.Write(path, state);
        var message = Refusal(path, "lenet5", [1, 28, 28], 10);
        Assert.Contains("'fc3.bias' missing (expected [10] Float32)", message);
        Assert.Contains("'fc4.weight' unexpected ([3] Float32)", message);
    }

    [Fact]
    public void Another_architectures_file_is_named_as_such()
    {
        var message = Refusal(PyTorchFixture.StateFile("resnet18"), "lenet5", [3, 32, 32], 10);
        Assert.Contains("'conv2.weight' missing", message);
        Assert.Contains("unexpected", message);
        Assert.Contains("keys do not fit (", message); // dozens of keys: a count of each kind and the first two of each
        Assert.Contains("Its names look like the resnet18 layout", message);
        Assert.True(message.Length < 1200, message);
    }

    [Fact]
    public void Files_that_are_not_pytorch_archives_are_refused()
    {
        using var folder = new TempFolder();
        var text = folder.File("notes.pt");
        File.WriteAllText(text, "epoch,loss\n1,0.5\n");
        Assert.Contains("is not a PyTorch file", Refusal(text));

        var empty = folder.File("empty.pt");
        File.WriteAllBytes(empty, []);
        Assert.Contains("is empty (0 bytes)", Refusal(empty));

        var good = File.ReadAllBytes(PyTorchFixture.StateFile("lenet5"));
        var truncated = folder.File("truncated.pt");
        File.WriteAllBytes(truncated, good[..(good.Length / 2)]);
        Assert.Contains("corrupt or truncated zip", Refusal(truncated, "lenet5", [1, 28, 28], 10));

        var noPickle = folder.File("no-pickle.pt");
        using (var zip = ZipFile.Open(noPickle, ZipArchiveMode.Create))
        {
            using var w = new StreamWriter(zip.CreateEntry("archive/version").Open());
            w.Write("3\n");
        }

        Assert.Contains("without a data.pkl entry", Refusal(noPickle));
        Assert.Contains("file not found", Refusal(folder.File("absent.pt")));
        Assert.Contains("is a folder", Refusal(folder.Path));
    }

    [Fact]
    public void Guard_reads_names_from_memo_and_refuses_names_it_cannot_read()
    {
        // Protocol 4 as Python writes it: the two strings, memoised, right before STACK_GLOBAL.
        PickleGuard.Check("ok", Pickle("\u0080\u0004\u008c\u000b" + "collections\u0094\u008c\u000b" + "OrderedDict\u0094\u0093\u0094)R\u0094."));

        // The same names fetched back from the memo (BINGET) are read too: allowed, then not.
        PickleGuard.Check("ok", Pickle("\u0080\u0004\u008c\u000b" + "collections\u0094\u008c\u000b" + "OrderedDict\u009400h\u0000h\u0001\u0093)R."));
        var memo = Assert.Throws<PyTorchFormatException>(() => PickleGuard.Check("f",
            Pickle("\u0080\u0004\u008c\u000b" + "collections\u0094\u008c\u0006system\u0094\u008c\u0005posix\u0094000h\u0002h\u0001\u0093)R.")));
        Assert.Contains("posix.system", memo.Message);

        // Names that are not literals (a None, a DUP) cannot be checked, so they are refused.
        Assert.Contains("without two literal strings", Refused("\u0080\u0004\u008c\u0005posix\u0094N\u0093."));
        Assert.Contains("without two literal strings", Refused("\u0080\u0004\u008c\u0006system2\u0093."));

        // Inline names (GLOBAL, INST), extension codes, unknown opcodes, a missing STOP, a length past the end.
        Assert.Contains("builtins.eval", Refused("\u0080\u0002cbuiltins\neval\n."));
        Assert.Contains("os.system", Refused("(ios\nsystem\n."));
        Assert.Contains("extension code", Refused("\u0080\u0002\u0082\u0001."));
        Assert.Contains("unknown opcode 0xff", Refused("\u0080\u0002\u00ff."));
        Assert.Contains("without a STOP", Refused("\u0080\u0002}"));
        Assert.Contains("truncated", Refused("\u0080\u0002X\u00ff\u0000\u0000\u0000ab."));
    }

    private static string Refused(string pickle) =>
        Assert.Throws<PyTorchFormatException>(() => PickleGuard.Check("f", Pickle(pickle))).Message;

    [Fact]
    public void Every_state_dict_python_wrote_passes_the_guard()
    {
        foreach (var model in new[] { "lenet5", "mlp", "logreg", "resnet18", "vgg19" })
        {
            var state = PyTorchStateDict.Read(PyTorchFixture.StateFile(model));
            Assert.NotEmpty(state);
            foreach (var t in state.Values)
            {
                t.Dispose();
            }
        }
    }

    private static byte[] Pickle(string latin1) => latin1.Select(c => checked((byte)c)).ToArray();
}
