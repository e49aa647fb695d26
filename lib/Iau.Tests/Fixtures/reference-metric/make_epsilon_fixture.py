#!/usr/bin/env python3
"""Pins the kit's ε-score to the NeurIPS 2023 unlearning challenge's reference metric (Triantafillou et al. 2024;
google-deepmind/unlearning_evaluation, metric.py): small synthetic pool pairs, with the per-example ε and the forget
score F that the reference computes for them (lib/Iau.Tests/Audit/EpsilonReferenceTests.cs holds the kit to them).
Run once, by hand, with Debian's python3-torch (1.13, CPU) and python3-numpy:

    /usr/bin/python3 lib/Iau.Tests/Fixtures/reference-metric/make_epsilon_fixture.py --metric PATH/TO/metric.py

metric.py is not copied into this repository: the script reads it from the path given (a checkout of
google-deepmind/unlearning_evaluation) and executes it after two textual patches, made here only:
- every ".cuda()" is removed, so that its tensors stay on the CPU;
- "assert thr_eps," becomes "assert thr_eps.size > 0,": thr_eps is a numpy array there, and the truth value of an array
  of more than one element raises ValueError, so the published line stops on every example that keeps two or more
  thresholds (nearly all). The patched line asserts what the message says: that some threshold survived.
Nothing else of the reference is changed.

Writes epsilon_reference.json beside this script: for each case its pools (or the logits they come from), and the
reference's per-example ε and F; and the degenerate case on which the reference itself fails (two constant, equal
pools: its assertion "all thresholds gave nan epsilon"), with the message it raised.
"""
import argparse
import hashlib
import json
import os
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def load_reference(path):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    patched = source.replace(".cuda()", "")
    assert patched.count("assert thr_eps,") == 1, "metric.py is not the version this script was written for"
    patched = patched.replace("assert thr_eps,", "assert thr_eps.size > 0,")
    module = types.ModuleType("reference_metric")
    exec(compile(patched, path, "exec"), module.__dict__)
    return module, hashlib.sha256(source.encode("utf-8")).hexdigest(), source.count(".cuda()")


def gaussian_pools(rng, models, examples, shift, unlearned_sd=1.0):
    """Per example a centre; retrained models scatter around it (sd 1), unlearned ones around centre + shift."""
    centre = 4 * rng.standard_normal(examples)
    retrained = centre + rng.standard_normal((models, examples))
    unlearned = centre + shift + unlearned_sd * rng.standard_normal((models, examples))
    return unlearned, retrained


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--metric", required=True, help="path to the reference's metric.py")
    parser.add_argument("--commit", default="", help="the reference checkout's commit, recorded in the fixture")
    parser.add_argument("--out", default=os.path.join(HERE, "epsilon_reference.json"))
    args = parser.parse_args()

    ref, digest, patched_calls = load_reference(args.metric)
    rng = np.random.default_rng(20231)
    cases = []

    def add(name, unlearned, retrained, logits=None):
        unlearned = np.asarray(unlearned, dtype=np.float64)
        retrained = np.asarray(retrained, dtype=np.float64)
        eps = ref._get_epsilons(*positive_negative(unlearned, retrained), delta=ref.DELTA)
        forget = ref.compute_forget_score_from_confs(unlearned, retrained)
        case = {
            "name": name,
            "unlearned": unlearned.tolist(),
            "retrained": retrained.tolist(),
            "epsilons": [float(e) for e in eps],
            "forget": float(forget),
        }
        if logits is not None:
            case["logits"] = logits
        cases.append(case)

    def positive_negative(unlearned, retrained):
        # As compute_forget_score_from_confs does before it calls _get_epsilons (it does not return the epsilons).
        retrain_is_positive = np.median(retrained, axis=0) > np.median(unlearned, axis=0)
        return (np.where(retrain_is_positive, retrained, unlearned),
                np.where(retrain_is_positive, unlearned, retrained))

    add("one distribution, N = 8", *gaussian_pools(rng, 8, 40, 0.0))
    add("one distribution, N = 16", *gaussian_pools(rng, 16, 40, 0.0))
    add("shifted by 1 sd, N = 16", *gaussian_pools(rng, 16, 40, 1.0))
    add("shifted by 3 sd, N = 16", *gaussian_pools(rng, 16, 40, 3.0))
    add("narrower unlearned pool (sd 0.3), N = 32", *gaussian_pools(rng, 32, 30, 0.5, unlearned_sd=0.3))
    add("near-deterministic unlearned pool (sd 0.005), N = 16", *gaussian_pools(rng, 16, 10, 0.0, unlearned_sd=0.005))
    add("shifted by 0.5 sd, N = 64", *gaussian_pools(rng, 64, 12, 0.5))

    # Logits of 10 classes: the pools' confidences come from the reference's compute_logit_scaled_confidence.
    models, examples, classes = 8, 20, 10
    labels = rng.integers(0, classes, examples)
    base = 3 * rng.standard_normal((examples, classes))
    base[np.arange(examples), labels] += 4  # the true class is likely, as after training
    logit_pools = {}
    confs = {}
    for pool, lift in (("unlearned", 0.0), ("retrained", -1.0)):
        z = base + rng.standard_normal((models, examples, classes))
        z[:, np.arange(examples), labels] += lift
        logit_pools[pool] = z.tolist()
        confs[pool] = np.stack([ref.compute_logit_scaled_confidence(m.copy(), labels)[1] for m in z])
    add("from logits (10 classes), N = 8", confs["unlearned"], confs["retrained"],
        logits={"labels": labels.tolist(), "unlearned": logit_pools["unlearned"], "retrained": logit_pools["retrained"]})

    # The reference's own failure: two constant, equal pools.
    constant = np.full((8, 1), 1.5)
    try:
        ref.compute_forget_score_from_confs(constant.copy(), constant.copy())
        failure = None
    except AssertionError as e:
        failure = str(e)

    fixture = {
        "source": "google-deepmind/unlearning_evaluation metric.py",
        "commit": args.commit,
        "metric_sha256": digest,
        "patches": [f"removed {patched_calls} .cuda() calls", "assert thr_eps, -> assert thr_eps.size > 0,"],
        "delta": ref.DELTA,
        "epsilon_cap": ref.EPSILON_CAP,
        "cases": cases,
        "reference_fails": {
            "unlearned": constant.tolist(),
            "retrained": constant.tolist(),
            "message": failure,
        },
    }
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, args.out)
    for c in cases:
        print(f"{c['name']}: F = {c['forget']:.6f}, eps in [{min(c['epsilons']):.4f}, {max(c['epsilons']):.4f}]")
    print("constant, equal pools:", failure)


if __name__ == "__main__":
    main()
