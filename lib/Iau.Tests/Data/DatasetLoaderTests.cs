using System.Net;
using Iau.Data;

namespace Iau.Tests.Data;

public class DatasetLoaderTests
{
    [Fact]
    public void Loads_from_the_data_folder_and_reports_checksums_of_custom_files_as_mismatch()
    {
        using var tmp = new TempDir();
        FakeFashionMnist.Write(Path.Combine(tmp.Path, "fashion-mnist"));

        // The files are not the published ones: with verification on, the first one is rejected by name.
        var ex = Assert.Throws<DataFormatException>(() =>
            DatasetLoader.Load("fashion-mnist", new LoadOptions(DataRoot: tmp.Path, AllowDownload: false)));
        Assert.Contains("train-images-idx3-ubyte.gz", ex.File);
        Assert.Contains("checksum mismatch", ex.Message);

        var data = DatasetLoader.Load("fashion-mnist", new LoadOptions(DataRoot: tmp.Path, AllowDownload: false, VerifyChecksums: false));
        Assert.Equal(DatasetOrigin.DataFolder, data.Origin);
        Assert.Equal(100, data.Train.Count);
        Assert.Equal(20, data.Test.Count);
        Assert.Equal([1, 28, 28], data.Train.SampleShape);
        Assert.All(data.Files, f => Assert.Equal(ChecksumStatus.NotChecked, f.Status));
        Assert.Equal(FakeFashionMnist.Labels(100).Select(b => (int)b), data.Train.Labels);
    }

    [Fact]
    public void Explicit_path_wins_and_missing_files_are_named()
    {
        using var tmp = new TempDir();
        var dir = Path.Combine(tmp.Path, "custom");
        FakeFashionMnist.Write(dir, train: 30, test: 10);
        var data = DatasetLoader.Load("fashion-mnist", new LoadOptions(Path: dir, AllowDownload: false, VerifyChecksums: false));
        Assert.Equal(DatasetOrigin.ExplicitPath, data.Origin);
        Assert.Equal(30, data.Train.Count);

        File.Delete(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"));
        var ex = Assert.Throws<DatasetNotFoundException>(() =>
            DatasetLoader.Load("fashion-mnist", new LoadOptions(Path: dir, AllowDownload: false, VerifyChecksums: false)));
        Assert.Contains("t10k-labels-idx1-ubyte.gz", ex.Message);
    }

    [Fact]
    public void Truncated_file_fails_naming_it()
    {
        using var tmp = new TempDir();
        var dir = Path.Combine(tmp.Path, "fashion-mnist");
        FakeFashionMnist.Write(dir);
        var images = Path.Combine(dir, "train-images-idx3-ubyte.gz");
        var raw = FormatWriters.IdxImages(100, 28, 28);
        File.WriteAllBytes(images, FormatWriters.Gzip(raw[..(raw.Length / 2)]));
        var ex = Assert.Throws<DataFormatException>(() =>
            DatasetLoader.Load("fashion-mnist", new LoadOptions(DataRoot: tmp.Path, AllowDownload: false, VerifyChecksums: false)));
        Assert.Contains("train-images-idx3-ubyte.gz", ex.Message);
    }

    [Fact]
    public void Not_found_without_network_says_which_files_go_where_and_which_package()
    {
        using var tmp = new TempDir();
        var ex = Assert.Throws<DatasetNotFoundException>(() =>
            DatasetLoader.Load("mnist", new LoadOptions(DataRoot: tmp.Path, AllowDownload: false)));
        Assert.Contains(Path.Combine(tmp.Path, "mnist"), ex.Message);
        Assert.Contains("train-images-idx3-ubyte.gz", ex.Message);
        Assert.Contains("t10k-labels-idx1-ubyte.gz", ex.Message);

        var info = DatasetCatalog.Get("fashion-mnist");
        Assert.Equal("dataset-fashion-mnist", info.DebianPackage);
    }

    [Fact]
    public void Download_failure_leaves_nothing_half_written()
    {
        using var tmp = new TempDir();
        using var http = new HttpClient(new FailingHandler());
        var ex = Assert.Throws<DatasetNotFoundException>(() =>
            DatasetLoader.Load("mnist", new LoadOptions(DataRoot: tmp.Path, Http: http)));
        Assert.Contains("Download failed", ex.Message);
        Assert.Empty(Directory.EnumerateFiles(tmp.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Downloaded_file_with_wrong_checksum_is_rejected_and_removed()
    {
        using var tmp = new TempDir();
        using var http = new HttpClient(new GarbageHandler());
        var ex = Assert.Throws<DataFormatException>(() =>
            DatasetLoader.Load("mnist", new LoadOptions(DataRoot: tmp.Path, Http: http)));
        Assert.Contains("checksum mismatch", ex.Message);
        Assert.Contains("train-images-idx3-ubyte.gz", ex.File);
        Assert.Empty(Directory.EnumerateFiles(tmp.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Checksum_of_a_published_file_is_recognised()
    {
        using var tmp = new TempDir();
        var f = tmp.File("x.bin");
        File.WriteAllBytes(f, "hello"u8.ToArray());
        // SHA-256 and MD5 of "hello".
        var bySha = DatasetLoader.CheckOrThrow(f, [new KnownChecksum("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", null, "test")], null);
        Assert.Contains("SHA-256", bySha);
        var byMd5 = DatasetLoader.CheckOrThrow(f, [new KnownChecksum(null, "5d41402abc4b2a76b9719d911017c592", "test")], null);
        Assert.Contains("MD5", byMd5);
    }

    [Fact]
    public void Catalog_is_complete_and_consistent()
    {
        foreach (var d in DatasetCatalog.All)
        {
            Assert.NotEmpty(d.Manifest.Files);
            Assert.Equal(d.InputShape.Length == 3 ? d.InputShape[0] : 1, d.Mean.Length);
            Assert.Equal(d.Mean.Length, d.Std.Length);
            Assert.All(d.Manifest.Files, f => Assert.True(f.Url is not null || f.Archive is not null, $"{d.Name}/{f.Path} has no source"));
        }

        Assert.Equal(100, DatasetCatalog.Get("cifar100").Classes);
        Assert.Throws<ArgumentException>(() => DatasetCatalog.Get("imagenet"));
    }

    [Fact]
    public void Fingerprint_depends_on_content_only()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        FakeFashionMnist.Write(Path.Combine(a.Path, "fashion-mnist"));
        FakeFashionMnist.Write(Path.Combine(b.Path, "fashion-mnist"));
        var o = new LoadOptions(AllowDownload: false, VerifyChecksums: false);
        var fa = DatasetLoader.Load("fashion-mnist", o with { DataRoot = a.Path }).Fingerprint;
        Assert.Equal(fa, DatasetLoader.Load("fashion-mnist", o with { DataRoot = b.Path }).Fingerprint);
        FakeFashionMnist.Write(Path.Combine(b.Path, "fashion-mnist"), train: 90);
        Assert.NotEqual(fa, DatasetLoader.Load("fashion-mnist", o with { DataRoot = b.Path }).Fingerprint);
    }

    [RealFashionMnistFact]
    public void Real_fashion_mnist_from_the_debian_package()
    {
        var data = DatasetLoader.Load("fashion-mnist", new LoadOptions(DataRoot: Path.GetTempPath(), AllowDownload: false));
        Assert.Equal(DatasetOrigin.SystemPackage, data.Origin);
        Assert.Equal(60_000, data.Train.Count);
        Assert.Equal(10_000, data.Test.Count);
        Assert.All(data.Files, f => Assert.Equal(ChecksumStatus.Verified, f.Status));
        var split = DataSplit.Create(data, new SplitOptions());
        Assert.Equal(48_000, split.Train.Length);
        Assert.Equal(12_000, split.Valid.Length);
        Assert.Equal(2_400, split.Forget.Length);
        Assert.Equal(45_600, split.Retain.Length);
    }

    private sealed class FailingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException("network unreachable (test)");
    }

    private sealed class GarbageHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[3000]) });
    }
}
