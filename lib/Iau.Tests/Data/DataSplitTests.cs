using Iau.Data;

namespace Iau.Tests.Data;

public class DataSplitTests
{
    private static readonly int[] Labels = Enumerable.Range(0, 1000).Select(i => i % 10).ToArray();

    private static DataSplit Make(SplitOptions o) => DataSplit.Create("toy", "fp", Labels, 200, 10, o);

    [Fact]
    public void Standard_split_holds_out_a_fifth_and_limits_to_n_and_a_quarter_of_n()
    {
        using var tmp = new TempDir();
        FakeFashionMnist.Write(tmp.Path, train: 400, test: 20);
        var data = DatasetLoader.Load("fashion-mnist", new LoadOptions(Path: tmp.Path, AllowDownload: false, VerifyChecksums: false));
        var forget = ForgetRequest.ByRatio(0.1, 3);
        var full = DataSplit.Standard(data, 1, forget, trainLimit: null);
        var created = DataSplit.Create(data, new SplitOptions(1, 0.2, forget));
        Assert.Equal(created.Train, full.Train);
        Assert.Equal(created.Valid, full.Valid);
        Assert.Equal(created.Forget, full.Forget);
        Assert.Equal((320, 80, 32), (full.Train.Length, full.Valid.Length, full.Forget.Length));
        var limited = DataSplit.Standard(data, 1, forget, trainLimit: 100);
        Assert.Equal((100, 25, 10), (limited.Train.Length, limited.Valid.Length, limited.Forget.Length));
        Assert.Equal(full.Train[..100], limited.Train);
        Assert.Equal(full.Valid[..25], limited.Valid);
    }

    [Fact]
    public void Same_seed_same_split_and_different_seed_different_split()
    {
        var a = Make(new SplitOptions(Seed: 3, Forget: ForgetRequest.ByRatio(0.1, 7)));
        var b = Make(new SplitOptions(Seed: 3, Forget: ForgetRequest.ByRatio(0.1, 7)));
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Valid, b.Valid);
        Assert.Equal(a.Forget, b.Forget);

        var c = Make(new SplitOptions(Seed: 4, Forget: ForgetRequest.ByRatio(0.1, 7)));
        Assert.NotEqual(a.Valid, c.Valid);
        var d = Make(new SplitOptions(Seed: 3, Forget: ForgetRequest.ByRatio(0.1, 8)));
        Assert.Equal(a.Train, d.Train);
        Assert.NotEqual(a.Forget, d.Forget);
    }

    [Fact]
    public void Parts_are_disjoint_and_cover_the_training_set()
    {
        var s = Make(new SplitOptions(Seed: 1, Forget: ForgetRequest.ByRatio(0.05, 2)));
        Assert.Equal(800, s.Train.Length);
        Assert.Equal(200, s.Valid.Length);
        Assert.Equal(40, s.Forget.Length);
        Assert.Equal(760, s.Retain.Length);
        Assert.Empty(s.Train.Intersect(s.Valid));
        Assert.Empty(s.Retain.Intersect(s.Forget));
        Assert.Equal(Enumerable.Range(0, 1000), s.Train.Concat(s.Valid).Order());
        Assert.Equal(s.Train.Order(), s.Retain.Concat(s.Forget).Order());
    }

    [Fact]
    public void Class_wise_forgetting_takes_every_training_sample_of_the_class()
    {
        var s = Make(new SplitOptions(Forget: ForgetRequest.ByClass(3)));
        Assert.All(s.Forget, i => Assert.Equal(3, Labels[i]));
        Assert.Equal(s.Train.Count(i => Labels[i] == 3), s.Forget.Length);
        Assert.DoesNotContain(s.Retain, i => Labels[i] == 3);
        Assert.Contains("outside", Assert.Throws<ArgumentException>(() => Make(new SplitOptions(Forget: ForgetRequest.ByClass(10)))).Message);
    }

    [Fact]
    public void User_indices_are_validated_with_clear_errors()
    {
        var s = Make(new SplitOptions());
        var inTrain = s.Train.Take(5).ToArray();
        var ok = s.WithForget(ForgetRequest.FromIndices(inTrain.Reverse().ToArray()), Labels, 10);
        Assert.Equal(inTrain.Order(), ok.Forget);

        Assert.Contains("empty", Err([]));
        Assert.Contains("outside the official training set [0, 1000): 1000, -1", Err([1000, -1]));
        Assert.Contains($"more than once: {inTrain[0]}", Err([inTrain[0], inTrain[0]]));
        Assert.Contains($"not in the training split", Err([s.Valid[0]]));
        Assert.Contains(s.Valid[0].ToString(), Err([s.Valid[0]]));

        string Err(int[] idx) => Assert.Throws<ArgumentException>(() => s.WithForget(ForgetRequest.FromIndices(idx), Labels, 10)).Message;
    }

    [Fact]
    public void Ratio_outside_the_unit_interval_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Make(new SplitOptions(Forget: ForgetRequest.ByRatio(0, 0))));
        Assert.Throws<ArgumentException>(() => Make(new SplitOptions(Forget: ForgetRequest.ByRatio(1.5, 0))));
        Assert.Throws<ArgumentException>(() => Make(new SplitOptions(ValidFraction: 1)));
    }

    [Fact]
    public void Save_and_load_round_trip_and_fingerprint_is_checked()
    {
        using var tmp = new TempDir();
        var s = Make(new SplitOptions(Seed: 5, Forget: ForgetRequest.ByRatio(0.1, 9)));
        var path = tmp.File("split.json");
        s.Save(path);
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp"));
        var back = DataSplit.Load(path);
        Assert.Equal(s.Train, back.Train);
        Assert.Equal(s.Valid, back.Valid);
        Assert.Equal(s.Forget, back.Forget);
        Assert.Equal(s.Seed, back.Seed);
        Assert.Equal(s.ForgetRatio, back.ForgetRatio);
        Assert.Equal(s.Fingerprint, back.Fingerprint);

        var other = new LoadedDataset(DatasetCatalog.Get("fashion-mnist"), new RawSamples([1], [], []), new RawSamples([1], [], []), "/", DatasetOrigin.ExplicitPath, [], "different");
        var ex = Assert.Throws<DataFormatException>(() => DataSplit.Load(path, other));
        Assert.Contains("split.json", ex.Message);
        Assert.Contains("fingerprint", ex.Message);

        File.WriteAllText(path, "{ not json");
        Assert.Contains("split.json", Assert.Throws<DataFormatException>(() => DataSplit.Load(path)).Message);
    }

    [Fact]
    public void Forget_indices_file_is_parsed_and_bad_tokens_are_located()
    {
        using var tmp = new TempDir();
        var txt = tmp.File("f.txt");
        File.WriteAllText(txt, "# forget these\n1, 2 3\n4\n");
        Assert.Equal([1, 2, 3, 4], ForgetRequest.FromFile(txt).Indices);
        var json = tmp.File("f.json");
        File.WriteAllText(json, "[5, 6]");
        Assert.Equal([5, 6], ForgetRequest.FromFile(json).Indices);
        File.WriteAllText(txt, "1\n2\nx3\n");
        var ex = Assert.Throws<DataFormatException>(() => ForgetRequest.FromFile(txt));
        Assert.Contains("line 3", ex.Message);
        Assert.Contains("f.txt", ex.Message);
    }
}
