using System.CommandLine;
using Iau.Data;

namespace Iau.Cli.Commands;

/// <summary>Options shared by every command that loads a dataset and makes a split.</summary>
internal sealed class DataOptions
{
    public Option<string?> Path { get; } = new("--data-path") { Description = "Folder holding the dataset's files (default: data/<name>/, then system folders, then download)." };

    public Option<bool> NoDownload { get; } = new("--no-download") { Description = "Never download; fail with instructions when the files are absent." };

    public Option<bool> NoVerify { get; } = new("--no-verify") { Description = "Skip checksum verification (for custom or regenerated files)." };

    public Option<int> SplitSeed { get; } = new("--split-seed") { Description = "Seed of the 80/20 train/valid shuffle.", DefaultValueFactory = _ => 0 };

    public Option<double?> ForgetRatio { get; } = new("--forget-ratio") { Description = "Forget a seeded random fraction of train (default 0.05)." };

    public Option<int?> ForgetClass { get; } = new("--forget-class") { Description = "Forget every training sample of this class." };

    public Option<string?> ForgetIndices { get; } = new("--forget-indices") { Description = "File of indices (into the official training set) to forget: JSON array or whitespace/comma separated." };

    public Option<int> ForgetSeed { get; } = new("--forget-seed") { Description = "Seed of the random forget set.", DefaultValueFactory = _ => 0 };

    public Option<string?> SplitFile { get; } = new("--split") { Description = "Load the split (train/valid/forget indices) from this JSON file instead of making one." };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Path, NoDownload, NoVerify, SplitSeed, ForgetRatio, ForgetClass, ForgetIndices, ForgetSeed, SplitFile })
        {
            command.Options.Add(o);
        }
    }

    public LoadOptions LoadOptions(ParseResult parse, CliContext ctx) => new(
        Path: parse.GetValue(Path),
        AllowDownload: !parse.GetValue(NoDownload),
        VerifyChecksums: !parse.GetValue(NoVerify),
        Progress: ctx.DataProgress());

    public ForgetRequest Forget(ParseResult parse)
    {
        var ratio = parse.GetValue(ForgetRatio);
        var cls = parse.GetValue(ForgetClass);
        var file = parse.GetValue(ForgetIndices);
        var given = (ratio is null ? 0 : 1) + (cls is null ? 0 : 1) + (file is null ? 0 : 1);
        if (given > 1)
        {
            throw new UsageException("Give at most one of --forget-ratio, --forget-class, --forget-indices.");
        }

        if (parse.Given(ForgetSeed) && (cls is not null || file is not null))
        {
            throw new UsageException($"--forget-seed applies to a random forget set (--forget-ratio), not to {(cls is not null ? "--forget-class" : "--forget-indices")}.");
        }

        return cls is int k ? ForgetRequest.ByClass(k)
            : file is not null ? ForgetRequest.FromFile(file)
            : ForgetRequest.ByRatio(ratio ?? 0.05, parse.GetValue(ForgetSeed));
    }

    public DataSplit Split(ParseResult parse, LoadedDataset data)
    {
        var file = parse.GetValue(SplitFile);
        if (file is not null)
        {
            RefuseWith(parse, SplitFile, SplitSeed, ForgetRatio, ForgetClass, ForgetIndices, ForgetSeed);
        }

        return file is not null
            ? DataSplit.Load(file, data)
            : DataSplit.Create(data, new SplitOptions(parse.GetValue(SplitSeed), 0.2, Forget(parse)));
    }

    /// <summary>Refuses options that <paramref name="fixedBy"/> (e.g. --split) makes meaningless, instead of ignoring them.</summary>
    /// <exception cref="UsageException">One of them was given.</exception>
    public static void RefuseWith(ParseResult parse, Option fixedBy, params Option[] options)
    {
        var clash = options.Where(parse.Given).Select(o => o.Name).ToList();
        if (clash.Count > 0)
        {
            throw new UsageException($"{fixedBy.Name} {parse.GetResult(fixedBy)?.Tokens.FirstOrDefault()?.Value} already fixes the split and its forget set; " +
                                     $"drop {string.Join(", ", clash)} (or make a new split without {fixedBy.Name}).");
        }
    }
}
