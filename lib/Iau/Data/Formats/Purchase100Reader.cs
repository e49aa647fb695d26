using System.Globalization;

namespace Iau.Data.Formats;

/// <summary>
/// Reads the Purchase100 text file: one sample per line, the class label (1–100) followed by 600 binary
/// features (0 or 1), comma-separated. Whitespace around fields, CRLF line ends and blank lines at the
/// end of the file are tolerated; anything else malformed is an error naming the line and column.
/// Labels are mapped to 0–99.
/// </summary>
public static class Purchase100Reader
{
    /// <summary>Binary features per sample.</summary>
    public const int FeatureCount = 600;

    /// <summary>Number of classes; labels in the file are 1..ClassCount.</summary>
    public const int ClassCount = 100;

    /// <summary>Reads a Purchase100 file into samples of shape [600].</summary>
    /// <exception cref="DataFormatException">The file is missing or malformed.</exception>
    public static RawSamples Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "file not found");
        }

        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        return Read(reader, path);
    }

    /// <summary>Reads Purchase100 text from <paramref name="reader"/>, line by line.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="fileName">Name used in error messages.</param>
    /// <exception cref="DataFormatException">The text is malformed.</exception>
    public static RawSamples Read(TextReader reader, string fileName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(fileName);

        var features = new byte[FeatureCount * 1024];
        var labels = new List<int>();
        var lineNumber = 0;
        var firstBlankLine = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var span = line.AsSpan();
            if (span.IsWhiteSpace())
            {
                if (firstBlankLine == 0)
                {
                    firstBlankLine = lineNumber;
                }

                continue;
            }

            if (firstBlankLine != 0)
            {
                throw new DataFormatException(
                    fileName, $"line {firstBlankLine}: blank line before more data (line {lineNumber})");
            }

            var offset = (long)labels.Count * FeatureCount;
            if (offset + FeatureCount > features.Length)
            {
                if (offset + FeatureCount > Array.MaxLength)
                {
                    throw new DataFormatException(fileName, $"line {lineNumber}: too many samples");
                }

                Array.Resize(ref features, (int)Math.Min(Array.MaxLength, 2L * features.Length));
            }

            labels.Add(ParseLine(span, features.AsSpan((int)offset, FeatureCount), fileName, lineNumber));
        }

        if (labels.Count == 0)
        {
            throw new DataFormatException(fileName, "file is empty (no samples)");
        }

        Array.Resize(ref features, labels.Count * FeatureCount);
        return new RawSamples([FeatureCount], features, [.. labels]);
    }

    /// <summary>Parses one line into <paramref name="row"/>; returns the 0-based label.</summary>
    private static int ParseLine(ReadOnlySpan<char> line, Span<byte> row, string fileName, int lineNumber)
    {
        var column = 0;
        var label = 0;
        var rest = line;
        while (true)
        {
            var comma = rest.IndexOf(',');
            var field = (comma < 0 ? rest : rest[..comma]).Trim();
            column++;

            if (column == 1)
            {
                if (!int.TryParse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out label))
                {
                    throw Error(fileName, lineNumber, column, $"label '{Shown(field)}' is not an integer");
                }

                if (label < 1 || label > ClassCount)
                {
                    throw Error(fileName, lineNumber, column, $"label {label} is outside 1..{ClassCount}");
                }
            }
            else if (column - 1 <= FeatureCount)
            {
                if (field.Length == 1 && (field[0] is '0' or '1'))
                {
                    row[column - 2] = (byte)(field[0] - '0');
                }
                else if (int.TryParse(
                    field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                {
                    if (value is not (0 or 1))
                    {
                        throw Error(fileName, lineNumber, column, $"feature value {value} is not 0 or 1");
                    }

                    row[column - 2] = (byte)value;
                }
                else
                {
                    throw Error(fileName, lineNumber, column, $"feature '{Shown(field)}' is not an integer");
                }
            }

            if (comma < 0)
            {
                break;
            }

            rest = rest[(comma + 1)..];
        }

        if (column - 1 != FeatureCount)
        {
            throw new DataFormatException(
                fileName,
                $"line {lineNumber}: expected a label and {FeatureCount} features ({FeatureCount + 1} fields), "
                + $"found {column} field(s) ({column - 1} features)");
        }

        return label - 1;
    }

    private static DataFormatException Error(string fileName, int line, int column, string problem) =>
        new(fileName, $"line {line}, column {column}: {problem}");

    private static string Shown(ReadOnlySpan<char> field) =>
        field.Length <= 20 ? field.ToString() : string.Concat(field[..20], "…");
}
