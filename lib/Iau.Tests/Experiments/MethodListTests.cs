using Iau.Experiments;
using Iau.Reporting;
using Iau.Unlearning;

namespace Iau.Tests.Experiments;

/// <summary>The method lists of profiles and tables derive from the registry.</summary>
public sealed class MethodListTests
{
    [Fact]
    public void Profiles_and_tables_take_their_methods_from_the_registry()
    {
        var registered = UnlearningMethods.Names;
        var lenet = UnlearningMethods.ComparedOn("lenet5");
        var logreg = UnlearningMethods.ComparedOn("logreg");

        // Every registered method joins the comparisons, except the ablation's IA alone and, off logreg, certified removal.
        Assert.Equal(registered.Where(m => m is not "ia" and not "certified"), lenet);
        Assert.Equal([.. lenet, "certified"], logreg);
        foreach (var p in new[] { Profiles.Smoke, Profiles.Quick })
        {
            Assert.All(p.Experiments.Where(s => s.Kind is ExperimentKind.Main or ExperimentKind.ClassWise),
                s => Assert.Equal(s.Model == "logreg" ? logreg : lenet, s.Methods));
        }

        // Tables: the controls and Retrain first, then the registry's order.
        var order = FigureSet.MethodOrderDefault;
        Assert.Equal(["original", "random-step", "retrain"], order.Take(3));
        Assert.Equal(registered.Where(m => m is not "random-step" and not "retrain"), order.Skip(3));
    }

    [Fact]
    public void The_registry_finds_every_registered_class_and_keeps_each_method_in_its_place()
    {
        // The order is part of the profiles' configuration hashes: moving a method would re-run committed cells.
        Assert.Equal(
            ["retrain", "iau", "iau-cached", "ia", "random-step", "ft", "ga", "neggrad+", "l1sparse", "salun", "scrub", "fisher",
             "iu", "iu-woodfisher", "certified", "rl", "bad-teacher", "ssd"],
            UnlearningMethods.Names);
        Assert.Equal(UnlearningMethods.Names, UnlearningMethods.Discover().Select(e => e.Name));
        Assert.All(UnlearningMethods.Names, n => Assert.Equal(n, UnlearningMethods.Create(n).Name));
    }
}
