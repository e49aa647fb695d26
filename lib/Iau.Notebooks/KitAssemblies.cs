using System.Reflection;

namespace Iau.Notebooks;

/// <summary>The kit's assemblies, for notebooks run by the kit itself.</summary>
public static class KitAssemblies
{
    /// <summary>
    /// Paths of the kit library (Iau.dll) and of the assemblies it references that are not part of the shared
    /// framework (Deedle, Plotly.NET, Plotly.NET.CSharp, MathNet.Numerics, TorchSharp, FSharp.Core, …): what
    /// <c>iau notebooks run</c> passes as <see cref="NotebookRunOptions.ExtraReferences"/>, so the notebooks'
    /// <c>#r</c> lines for them resolve to the very assemblies the host has loaded.
    /// </summary>
    public static IReadOnlyList<string> References()
    {
        var iau = typeof(Iau.Reporting.FigureExport).Assembly;
        var frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location);
        var paths = new List<string> { iau.Location };
        var seen = new HashSet<string>(StringComparer.Ordinal) { iau.GetName().Name! };
        var queue = new Queue<Assembly>([iau]);
        while (queue.Count > 0)
        {
            foreach (var name in queue.Dequeue().GetReferencedAssemblies())
            {
                if (name.Name is null || !seen.Add(name.Name))
                {
                    continue;
                }

                Assembly loaded;
                try
                {
                    loaded = Assembly.Load(name);
                }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    continue;
                }

                // Dependencies of the kit's dependencies too (FSharp.Core, DynamicObj, …), but not the framework.
                if (!loaded.IsDynamic && loaded.Location.Length > 0 &&
                    !string.Equals(Path.GetDirectoryName(loaded.Location), frameworkDir, StringComparison.Ordinal))
                {
                    paths.Add(loaded.Location);
                    queue.Enqueue(loaded);
                }
            }
        }

        return [.. paths.Distinct(StringComparer.Ordinal)];
    }
}
