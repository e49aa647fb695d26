using Iau.Interactive;

namespace Iau.Tests.Interactive;

/// <summary>The sizes of the notebooks that train their own models, declared once for the five that use them.</summary>
public sealed class NotebookSizeTests
{
    [Theory]
    [InlineData("smoke", 1_000, 250, 2, "sizes: 1,000 training samples, at most 2 epochs")]
    [InlineData("quick", 10_000, 2_500, 3, "sizes: 10,000 training samples, at most 3 epochs")]
    [InlineData("paper", int.MaxValue, int.MaxValue, 200, "sizes: all training samples, at most 200 epochs")]
    [InlineData("fmnist-paper", int.MaxValue, int.MaxValue, 200, "sizes: all training samples, at most 200 epochs")]
    public void Each_profile_has_its_sizes_and_the_line_the_notebooks_print(string profile, int train, int valid, int epochs, string line)
    {
        var size = NotebookSize.Of(profile);
        Assert.Equal(new NotebookSize(train, valid, epochs), size);
        Assert.Equal(line, size.ToString());
    }
}
