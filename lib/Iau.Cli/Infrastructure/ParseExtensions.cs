using System.CommandLine;

namespace Iau.Cli;

/// <summary>Small questions commands ask of a parse result.</summary>
internal static class ParseExtensions
{
    /// <summary>Whether the user wrote <paramref name="option"/> on the command line (not just its default).</summary>
    public static bool Given(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
}
