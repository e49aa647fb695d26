using Iau.Notebooks;

namespace Iau.Tests.Notebooks;

public class NotebookFormatterTests
{
    [Fact]
    public void Default_plain_text_of_common_values()
    {
        Assert.Equal("<null>", NotebookFormatters.ToPlainText(null));
        Assert.Equal("plain", NotebookFormatters.ToPlainText("plain"));
        Assert.Equal("1.5", NotebookFormatters.ToPlainText(1.5));
        Assert.Equal("[ 1, 2, 3 ]", NotebookFormatters.ToPlainText(new[] { 1, 2, 3 }));
        Assert.Equal("[ \"a\", \"b\" ]", NotebookFormatters.ToPlainText(new List<string> { "a", "b" }));
        Assert.Equal("{ \"k\": 1 }", NotebookFormatters.ToPlainText(new Dictionary<string, int> { ["k"] = 1 }));
        Assert.Equal("Plain { Name = \"n\", Values = [ 1 ] }", NotebookFormatters.ToPlainText(new Plain()));
        Assert.EndsWith("…", NotebookFormatters.ToPlainText(Enumerable.Range(0, 100)).TrimEnd(' ', ']'));
    }

    [Fact]
    public void Requested_mime_types_are_produced_by_defaults()
    {
        var bundle = NotebookFormatters.Format("<a>", null, MimeTypes.Html, MimeTypes.PlainText);
        Assert.Equal("<pre>&lt;a&gt;</pre>", bundle[MimeTypes.Html]);
        Assert.Equal("<a>", bundle[MimeTypes.PlainText]);
        Assert.Equal("{\"Name\":\"n\",\"Values\":[1]}", NotebookFormatters.Format(new Plain(), null, MimeTypes.Json)[MimeTypes.Json]);
    }

    [Fact]
    public void Registered_formatters_win_most_specific_first_and_plain_text_is_added()
    {
        NotebookFormatters.Register<Animal>(a => new Dictionary<string, string> { [MimeTypes.Html] = $"<i>animal {a.Name}</i>" });
        NotebookFormatters.Register<Dog>(d => new Dictionary<string, string> { [MimeTypes.Html] = $"<b>dog {d.Name}</b>" });
        NotebookFormatters.Register(typeof(Box<>), (v, _) => new Dictionary<string, string> { [MimeTypes.PlainText] = "a box" });
        try
        {
            Assert.Equal("<b>dog rex</b>", NotebookFormatters.Format(new Puppy("rex"))[MimeTypes.Html]);
            var cat = NotebookFormatters.Format(new Animal("tom"));
            Assert.Equal("<i>animal tom</i>", cat[MimeTypes.Html]);
            Assert.Equal("Animal { Name = tom }", cat[MimeTypes.PlainText]);
            Assert.Equal("a box", NotebookFormatters.Format(new Box<int>(3))[MimeTypes.PlainText]);

            // Only what was asked for: the formatter's entry where it has one.
            var html = NotebookFormatters.Format(new Dog("rex"), null, MimeTypes.Html);
            Assert.Equal(["text/html"], html.Keys);
        }
        finally
        {
            NotebookFormatters.Unregister(typeof(Animal));
            NotebookFormatters.Unregister(typeof(Dog));
            NotebookFormatters.Unregister(typeof(Box<>));
        }
    }

    [Fact]
    public void A_failing_formatter_falls_back_to_text_and_says_so()
    {
        NotebookFormatters.Register<Broken>(_ => throw new InvalidOperationException("nope"));
        try
        {
            var bundle = NotebookFormatters.Format(new Broken());
            Assert.Contains("formatter for Broken failed: InvalidOperationException: nope", bundle[MimeTypes.PlainText]);
        }
        finally
        {
            NotebookFormatters.Unregister(typeof(Broken));
        }
    }

    [Fact]
    public void Charts_never_carry_plotly_js_into_notebooks()
    {
        KitFormatters.EnsureRegistered();
        var chart = Plotly.NET.CSharp.Chart.Point<int, int, string>(x: new[] { 1, 2, 3 }, y: new[] { 3, 1, 2 });
        var bundle = NotebookFormatters.Format(chart, new FormatContext(renderImages: false));
        Assert.StartsWith("Plotly chart untitled: 1 trace", bundle[MimeTypes.PlainText]);
        Assert.Contains("never plotly.js", bundle[MimeTypes.Html]);
        Assert.DoesNotContain("<script", bundle[MimeTypes.Html]);
        Assert.True(bundle.Values.Sum(v => v.Length) < 2_000);
        Assert.False(bundle.ContainsKey(MimeTypes.Png));
    }

    private sealed class Plain
    {
        public string Name { get; } = "n";

        public int[] Values { get; } = [1];
    }

    private record Animal(string Name);

    private record Dog(string Name) : Animal(Name);

    private sealed record Puppy(string Name) : Dog(Name);

    private sealed record Box<T>(T Value);

    private sealed class Broken;
}
