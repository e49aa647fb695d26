using System.Globalization;
using System.Text.Json;
using Iau.Data;
using Iau.Evaluation;
using Iau.Experiments;
using Iau.Runtime;
using Iau.Training;
using Iau.Unlearning;

namespace Iau.Cli.Commands;

/// <summary>
/// `iau unlearn --stream FILE`: a file of deletion requests answered in order by one method, each from the model the
/// previous request left (<see cref="DeletionStream"/>). The model is written after every <c>--stride</c>-th request
/// and after the last, with <c>stream.json</c> beside it: what the stream is (model, method, options, seed, refresh),
/// a hash of every request answered, and which checkpoint holds the model after them. Run again, the command checks
/// that it continues the same stream (the same settings, and the file's first requests unchanged) and goes on at the
/// next request; new requests may be appended to the file between runs.
/// </summary>
internal static class UnlearnStream
{
    /// <summary>The state file in the output folder.</summary>
    public const string StateFile = "stream.json";

    private const int Schema = 1;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>One request of the stream file: its line and its sample ids (indices into the official training set).</summary>
    internal sealed record Request(int Line, int[] Ids)
    {
        /// <summary>SHA-256 of the ids as given (16 hex chars): what the state records of an answered request.</summary>
        public string Hash => Iau.Runtime.ShortHash.Of(string.Join(",", Ids));
    }

    /// <summary>What was done at one request.</summary>
    internal sealed record StepRecord(int Request, int Line, int Forgotten, int Remaining, double Seconds, double CumSeconds, string RetainGradient, double? TestAccuracy, double? ForgetAccuracy);

    /// <summary>The state file: what the stream is, and where it stands.</summary>
    internal sealed record State(
        int Schema,
        string Model,
        string ModelFingerprint,
        string SplitFingerprint,
        string Method,
        string Options,
        int Seed,
        string Refresh,
        int Answered,
        string[] Requests,
        string Checkpoint,
        string CheckpointFingerprint,
        int RefreshedAt,
        StepRecord[] Steps);

    /// <summary>The settings a resumed stream must share with the state (name, value in the state, value of this run).</summary>
    private static IEnumerable<(string Field, string Stored, string Given)> Differences(State s, State now) =>
        new[]
        {
            ("modelFingerprint (the original's weights)", s.ModelFingerprint, now.ModelFingerprint),
            ("splitFingerprint", s.SplitFingerprint, now.SplitFingerprint),
            ("method (--method)", s.Method, now.Method),
            ("options (--opt)", s.Options, now.Options),
            ("seed (--seed)", s.Seed.ToString(CultureInfo.InvariantCulture), now.Seed.ToString(CultureInfo.InvariantCulture)),
            ("refresh (--refresh)", s.Refresh, now.Refresh),
        }.Where(d => d.Item2 != d.Item3);

    /// <summary>
    /// Reads the requests: one a line, sample ids separated by spaces, tabs or commas; '#' starts a comment, and lines
    /// with no id are skipped. Every id must be a training-split sample of the model (not validation), appear once in
    /// the whole file, and the requests must leave a retain set. Each problem is named with the file and line.
    /// </summary>
    internal static List<Request> ReadRequests(string path, DataSplit split)
    {
        if (Directory.Exists(path))
        {
            throw new DataFormatException(path, "is a folder; give a file of requests (--stream), one request a line.");
        }

        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "stream file not found (--stream).");
        }

        var inTrain = split.Train.ToHashSet();
        var valid = split.Valid.ToHashSet();
        var firstLine = new Dictionary<int, int>();
        var requests = new List<Request>();
        var lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var ids = new List<int>();
            foreach (var tok in raw.Split('#')[0].Split([' ', '\t', ',', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(tok, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
                {
                    throw new DataFormatException(path, $"line {lineNo}: '{tok}' is not an integer sample id.");
                }

                if (!inTrain.Contains(id))
                {
                    var why = id < 0 || id >= split.OfficialTrainCount
                        ? $"outside the training set [0, {split.OfficialTrainCount})"
                        : valid.Contains(id) ? "a validation sample of the model's split, not a training sample" : "not in the model's training split";
                    throw new DataFormatException(path, FormattableString.Invariant($"line {lineNo}: sample id {id} is {why}."));
                }

                if (!firstLine.TryAdd(id, lineNo))
                {
                    throw new DataFormatException(path, FormattableString.Invariant(
                        $"line {lineNo}: sample id {id} was already requested on line {firstLine[id]}; each sample is forgotten once."));
                }

                ids.Add(id);
            }

            if (ids.Count > 0)
            {
                requests.Add(new Request(lineNo, [.. ids]));
            }
        }

        if (requests.Count == 0)
        {
            throw new DataFormatException(path, "holds no request (one request a line: sample ids separated by spaces or commas).");
        }

        if (firstLine.Count >= split.Train.Length)
        {
            throw new DataFormatException(path, FormattableString.Invariant(
                $"its requests forget all {split.Train.Length} training samples of the model's split (line {requests[^1].Line}), which leaves no retain set."));
        }

        return requests;
    }

    /// <summary>Runs (or resumes) the stream and prints one line per request; returns the exit code.</summary>
    public static int Run(CliContext ctx, UnlearnSession session, string modelPath, string streamPath, string outDir, string methodName, string[] pairs,
        int seed, int stride, CacheRefresh? refresh)
    {
        var c = ctx.Out;
        var d = session.Data;
        var requests = ReadRequests(streamPath, d.Split);
        var rowOf = new Dictionary<int, int>(d.Split.Train.Length);
        for (var i = 0; i < d.Split.Train.Length; i++)
        {
            rowOf[d.Split.Train[i]] = i;
        }

        var original = session.Checkpoint;
        var cached = methodName == CachedIau;
        var now = new State(Schema, Path.GetFullPath(modelPath), GradientCache.Fingerprint(original.Model), original.Metadata.SplitFingerprint, methodName,
            string.Join("; ", pairs.Select(p => p.Trim()).Order(StringComparer.Ordinal)), seed, cached ? refresh!.ToString() : "-", 0, [], string.Empty, string.Empty, 0, []);
        var statePath = Path.Combine(outDir, StateFile);
        var state = File.Exists(statePath) ? Continue(statePath, now, requests, streamPath) : now;
        if (state.Answered == requests.Count)
        {
            c.WriteLine(FormattableString.Invariant($"{streamPath}: all {requests.Count} requests are answered; the model after the last is {Path.Combine(outDir, state.Checkpoint)}. Append requests to go on."));
            return 0;
        }

        var removed = requests.Take(state.Answered).SelectMany(r => r.Ids).Select(id => rowOf[id]).ToList();
        using var resumed = state.Answered == 0 ? null : LoadCheckpoint(outDir, state);
        using var resumedCache = resumed is null || !cached ? null : GradientCache.FromTensors(resumed.Extras)
            ?? throw new DataFormatException(Path.Combine(outDir, state.Checkpoint), "holds no gradient cache, which a cached IAU stream keeps with its model; delete the output folder to start over.");
        var startCache = cached && resumed is null ? session.Cache : null; // the session's: not disposed here
        if (startCache is not null && startCache.Count != d.Train.Count)
        {
            throw new DataFormatException(modelPath, FormattableString.Invariant($"its stored gradient averages {startCache.Count} samples, not the split's {d.Train.Count}."));
        }

        var model = resumed?.Model ?? original.Model;
        using var stream = methodName is "iau" or CachedIau
            ? (resumed is null
                ? DeletionStream.Iau(model, d.Train, IauOptionsFrom(methodName, pairs), startCache, refresh)
                : DeletionStream.ResumeIau(model, d.Train, removed, state.Answered, IauOptionsFrom(methodName, pairs), resumedCache, refresh, state.RefreshedAt))
            : DeletionStream.ResumeMethod(UnlearningMethods.Create(methodName, MethodSettings.Parse(pairs)), model, d.Train, removed, state.Answered, d.Valid, d.Test,
                original.Metadata.Training, seed);
        if (state.Answered > 0)
        {
            c.WriteLine(FormattableString.Invariant($"resuming {streamPath} at request {state.Answered + 1} of {requests.Count} (line {requests[state.Answered].Line}) from {Path.Combine(outDir, state.Checkpoint)}"));
        }

        var steps = state.Steps.ToList();
        var cumulative = steps.Count == 0 ? 0 : steps[^1].CumSeconds;
        for (var j = state.Answered; j < requests.Count; j++)
        {
            var request = requests[j];
            var step = stream.Answer(new DeletionRequest([.. request.Ids.Select(id => rowOf[id])]), ctx.Cancellation);
            removed.AddRange(request.Ids.Select(id => rowOf[id]));
            cumulative += step.Seconds;
            var save = step.Request % stride == 0 || step.Request == requests.Count;
            double? ta = null, fa = null;
            if (save)
            {
                using var forgotten = d.Train.Subset(removed);
                ta = Evaluator.Accuracy(stream.Model, d.Test);
                fa = Evaluator.Accuracy(stream.Model, forgotten);
            }

            steps.Add(new StepRecord(step.Request, request.Line, step.Forgotten, step.Remaining, step.Seconds, cumulative, step.RetainGradientSource, ta, fa));
            c.WriteLine(FormattableString.Invariant(
                $"request {step.Request}/{requests.Count} (line {request.Line}): forgot {step.Forgotten}, {step.Remaining:N0} remain, {step.Seconds:F3} s ({cumulative:F2} s in all)")
                + (ta is double t ? FormattableString.Invariant($"; TA {t:F4}, FA {fa:F4} on the {removed.Count} forgotten so far") : string.Empty));
            if (save)
            {
                state = Save(outDir, statePath, state, session, stream, steps, requests, ta!.Value, fa!.Value, cumulative, methodName);
                c.WriteLine($"  written {Path.Combine(outDir, state.Checkpoint)}");
            }
        }

        return 0;
    }

    /// <summary>Writes the model after the requests answered, then the state that points at it (each atomically).</summary>
    private static State Save(string outDir, string statePath, State state, UnlearnSession session, DeletionStream stream, List<StepRecord> steps,
        List<Request> requests, double ta, double fa, double cumulative, string methodName)
    {
        var name = FormattableString.Invariant($"request-{stream.Answered:D4}.ckpt");
        var meta = session.Checkpoint.Metadata with
        {
            Metrics = new Dictionary<string, double>
            {
                ["test_accuracy"] = ta,
                ["forget_accuracy"] = fa,
                [Metric.UnlearnSeconds] = cumulative,
            },
            Notes = FormattableString.Invariant($"stream of deletion requests: {stream.Answered} answered with {methodName}, {stream.Removed.Count} samples forgotten (see {StateFile})"),
            ExtraTensors = [],
        };
        var extras = stream.Cache?.ToTensors();
        try
        {
            Checkpoint.Save(Path.Combine(outDir, name), stream.Model, meta, extras);
        }
        finally
        {
            foreach (var t in extras?.Values.AsEnumerable() ?? [])
            {
                t.Dispose();
            }
        }

        var next = state with
        {
            Answered = stream.Answered,
            Requests = [.. requests.Take(stream.Answered).Select(r => r.Hash)],
            Checkpoint = name,
            CheckpointFingerprint = GradientCache.Fingerprint(stream.Model),
            RefreshedAt = stream.RefreshedAt,
            Steps = [.. steps],
        };
        TempFiles.WriteAllText(statePath, JsonSerializer.Serialize(next, Json));
        return next;
    }

    /// <summary>Reads the state of an earlier run and checks that this run continues it.</summary>
    private static State Continue(string statePath, State now, List<Request> requests, string streamPath)
    {
        State? s;
        try
        {
            s = JsonSerializer.Deserialize<State>(File.ReadAllText(statePath), Json);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(statePath, $"is not a stream state: {e.Message}", e);
        }

        if (s is null || s.Schema != Schema || s.Requests is null || s.Steps is null || s.Checkpoint is null || s.Requests.Length != s.Answered)
        {
            throw new DataFormatException(statePath, "is not a stream state this kit wrote (schema, requests, steps or checkpoint missing); delete it, or use another --out, to start over.");
        }

        var differences = Differences(s, now).ToList();
        if (differences.Count > 0)
        {
            throw new DataFormatException(statePath, "this run does not continue the stream it holds: " +
                string.Join("; ", differences.Select(x => $"{x.Field} was '{x.Stored}', now '{x.Given}'")) + ". Use another --out, or the same settings.");
        }

        if (requests.Count < s.Answered)
        {
            throw new DataFormatException(streamPath, FormattableString.Invariant(
                $"holds {requests.Count} requests, but {s.Answered} were already answered ({statePath}); requests may be appended, not removed."));
        }

        for (var k = 0; k < s.Answered; k++)
        {
            if (requests[k].Hash != s.Requests[k])
            {
                throw new DataFormatException(streamPath, FormattableString.Invariant(
                    $"line {requests[k].Line}: request {k + 1} is not the one answered before ({statePath}); answered requests may not change, new ones are appended."));
            }
        }

        return s;
    }

    private static LoadedCheckpoint LoadCheckpoint(string outDir, State state)
    {
        var path = Path.Combine(outDir, state.Checkpoint);
        var loaded = Checkpoint.Load(path);
        if (GradientCache.Fingerprint(loaded.Model) != state.CheckpointFingerprint)
        {
            loaded.Dispose();
            throw new DataFormatException(path, $"is not the model the stream wrote after request {state.Answered} (its weights differ from {StateFile}'s record); delete the output folder to start over.");
        }

        return loaded;
    }

    /// <summary>IAU's options from --opt (the paper preset with the keys given).</summary>
    private static IauOptions IauOptionsFrom(string methodName, string[] pairs) =>
        ((IauMethod)UnlearningMethods.Create(methodName, MethodSettings.Parse(pairs))).Options;

    private const string CachedIau = "iau-cached";
}
