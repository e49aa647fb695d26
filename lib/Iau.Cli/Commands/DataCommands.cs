using System.CommandLine;
using Iau.Data;
using Spectre.Console;

namespace Iau.Cli.Commands;

/// <summary>`iau data list` and `iau data describe &lt;name&gt;`.</summary>
internal static class DataCommands
{
    public static Command Build(CliContext ctx)
    {
        var data = new Command("data", "Datasets: where they are, what they hold, how they split.");

        var list = new Command("list", "List the datasets the kit knows and whether their files are present.");
        list.SetAction(_ => List(ctx));
        data.Subcommands.Add(list);

        var name = new Argument<string>("name") { Description = "Dataset name (see `iau data list`)." };
        var save = new Option<string?>("--save-split") { Description = "Write the split (indices, seeds, fingerprint) to this JSON file." };
        var opts = new DataOptions();
        var describe = new Command("describe", "Load a dataset, verify its checksums, and show its split and class balance.") { name, save };
        opts.AddTo(describe);
        describe.SetAction(parse => Describe(ctx, parse.GetValue(name)!, parse, opts, parse.GetValue(save)));
        data.Subcommands.Add(describe);
        return data;
    }

    private static int List(CliContext ctx)
    {
        var table = new Table().AddColumns("name", "dataset", "input", "classes", "format", "present at");
        foreach (var d in DatasetCatalog.All)
        {
            string where;
            try
            {
                var found = DatasetLoader.Locate(d.Name, new LoadOptions(AllowDownload: false));
                where = $"{found.Directory} ({found.Origin})";
            }
            catch (DatasetNotFoundException)
            {
                where = d.DebianPackage is null ? "not present (downloaded on first use)" : $"not present (apt-get install {d.DebianPackage})";
            }

            table.AddRow(Markup.Escape(d.Name), Markup.Escape(d.Title), string.Join("×", d.InputShape), d.Classes.ToString(),
                d.Format.ToString(), Markup.Escape(where));
        }

        ctx.Console.Write(table);
        return 0;
    }

    private static int Describe(CliContext ctx, string name, ParseResult parse, DataOptions opts, string? save)
    {
        if (save is not null)
        {
            Outputs.CheckFile(save, "--save-split");
        }

        var data = DatasetLoader.Load(name, opts.LoadOptions(parse, ctx));
        var split = opts.Split(parse, data);
        var info = data.Info;
        var c = ctx.Console;
        c.WriteLine($"{info.Title} ({info.Name})");
        c.WriteLine($"source: {data.Directory} ({data.Origin})");
        c.WriteLine($"fingerprint: {data.Fingerprint}");
        c.WriteLine($"input shape: {string.Join("×", info.InputShape)}   classes: {info.Classes}   licence: {info.Licence}");

        var files = new Table().AddColumns("role", "file", "bytes", "checksum", "detail");
        foreach (var f in data.Files)
        {
            files.AddRow(Markup.Escape(f.Role), Markup.Escape(Path.GetFileName(f.Path)), f.Bytes.ToString("N0"), f.Status.ToString(), Markup.Escape(f.Detail));
        }

        c.Write(files);
        var all = data.Files.All(f => f.Status is ChecksumStatus.Verified or ChecksumStatus.VerifiedViaArchive);
        c.WriteLine(all ? "checksums: all verified" : "checksums: not all verified (see table)");

        c.WriteLine($"official: {data.Train.Count:N0} training, {data.Test.Count:N0} test samples");
        var forget = split.ForgetMode switch
        {
            ForgetMode.Ratio => $"random {split.ForgetRatio:P1} of train, seed {split.ForgetSeed}",
            ForgetMode.Class => $"class {split.ForgetClass} ({info.ClassNames[split.ForgetClass!.Value]})",
            _ => "given indices",
        };
        var retain = split.Retain;
        c.WriteLine($"split (seed {split.Seed}, valid {split.ValidFraction:P0}): train {split.Train.Length:N0}, valid {split.Valid.Length:N0}, " +
                    $"test {split.TestCount:N0}, forget {split.Forget.Length:N0} ({forget}), retain {retain.Length:N0}");

        var labels = data.Train.Labels;
        var k = info.Classes;
        var tr = DataSplit.ClassCounts(labels, split.Train, k);
        var va = DataSplit.ClassCounts(labels, split.Valid, k);
        var fo = DataSplit.ClassCounts(labels, split.Forget, k);
        var te = DataSplit.ClassCounts(data.Test.Labels, Enumerable.Range(0, data.Test.Count), k);
        var balance = new Table().AddColumns("class", "name", "train", "valid", "test", "forget");
        for (var i = 0; i < k; i++)
        {
            balance.AddRow(i.ToString(), Markup.Escape(info.ClassNames[i]), tr[i].ToString("N0"), va[i].ToString("N0"), te[i].ToString("N0"), fo[i].ToString("N0"));
        }

        c.Write(balance);
        if (save is not null)
        {
            split.Save(save);
            c.WriteLine($"split written to {save}");
        }

        return 0;
    }
}
