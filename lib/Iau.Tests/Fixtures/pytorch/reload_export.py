#!/usr/bin/env python3
"""Loads the kit's exports in PyTorch: the other half of the round trip, run by hand where python3-torch is installed
(CI needs no Python). The tests write their exports to a folder when IAU_PYTORCH_EXPORTS names one:

    IAU_PYTORCH_EXPORTS=/tmp/iau-exports dotnet test lib/Iau.Tests -c Release --filter "FullyQualifiedName~Iau.Tests.Interop"
    /usr/bin/python3 lib/Iau.Tests/Fixtures/pytorch/reload_export.py /tmp/iau-exports

For each export of a fixture model (lenet5.pt, mlp.pt, logreg.pt, resnet18.pt, vgg19.pt) it loads the file with
torch.load(weights_only=True) into the PyTorch definition of make_fixture.py with load_state_dict(strict=True),
checks that every tensor equals the fixture's bit for bit, and compares the logits with logits.json. For
lenet5_iau.pt (the kit's IAU step on the GR LeNet5, exported) it measures FA/RA/TA in PyTorch on the fixture's
split and the largest weight difference to iau_reference_unlearned.pt. Exits 1 when anything differs.
reload_export.txt beside this script holds the output of the last run.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

from make_fixture import CNN, ResNet18, VGG19, formula_batch, normalise, read_idx

HERE = os.path.dirname(os.path.abspath(__file__))


def definitions():
    return {
        "lenet5": CNN(),
        "mlp": nn.Sequential(nn.Linear(20, 16), nn.Tanh(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 5)),
        "logreg": nn.Linear(20, 5),
        "resnet18": ResNet18(3, 10, 2),
        "vgg19": VGG19(3, 10, 2),
    }


def main(folder):
    torch.set_num_threads(1)
    logits = json.load(open(os.path.join(HERE, "logits.json")))
    failed = False
    print(f"torch {torch.__version__}; exports from {folder}")
    for name, model in definitions().items():
        path = os.path.join(folder, name + ".pt")
        if not os.path.exists(path):
            print(f"{name}: no export, skipped")
            continue
        state = torch.load(path, weights_only=True)
        model.load_state_dict(state, strict=True)
        model.eval()
        entry = logits[name]
        original = torch.load(os.path.join(HERE, entry["file"]), weights_only=True)
        bitwise = all(torch.equal(state[k], original[k]) and state[k].dtype == original[k].dtype for k in original)
        if name == "lenet5":
            import base64
            pixels = np.frombuffer(base64.b64decode(entry["pixels"]), dtype=np.uint8).reshape(-1, 28, 28)
            x = torch.from_numpy(normalise(pixels).reshape(-1, 1, 28, 28))
        else:
            x = formula_batch([4] + entry["inputShape"])
        with torch.no_grad():
            diff = (model(x) - torch.tensor(entry["logits"])).abs().max().item()
        ok = bitwise and diff == 0.0 and len(state) == len(original)
        failed |= not ok
        print(f"{name}: loaded strictly ({len(state)} tensors); every tensor bitwise equal to {entry['file']}: {bitwise}; "
              f"max |logit - logits.json| = {diff:.3g}{'' if ok else '  <-- DIFFERS'}")

    path = os.path.join(folder, "lenet5_iau.pt")
    if os.path.exists(path):
        model = CNN()
        model.load_state_dict(torch.load(path, weights_only=True), strict=True)
        model.eval()
        reference = torch.load(os.path.join(HERE, "iau_reference_unlearned.pt"), weights_only=True)
        diff = max((model.state_dict()[k] - reference[k]).abs().max().item() for k in reference)
        split = json.load(open(os.path.join(HERE, "split.json")))
        train_x, train_y = read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz")
        test_x, test_y = read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz")
        forget = set(split["forget"])
        rows = {"FA": (np.array(split["forget"]), train_x, train_y),
                "RA": (np.array([i for i in split["train"] if i not in forget]), train_x, train_y),
                "TA": (np.arange(len(test_y)), test_x, test_y)}
        accuracies = {}
        with torch.no_grad():
            for metric, (r, x, y) in rows.items():
                xs = torch.from_numpy(normalise(x[r]).reshape(-1, 1, 28, 28))
                accuracies[metric] = (model(xs).argmax(1) == torch.from_numpy(y[r].astype(np.int64))).float().mean().item()
        reference_after = json.load(open(os.path.join(HERE, "iau_reference.json")))["after"]
        print("lenet5_iau: the kit's IAU step, loaded strictly; in PyTorch " +
              ", ".join(f"{m} {a:.4f} (reference step {reference_after[m]:.4f})" for m, a in accuracies.items()) +
              f"; max |weight - iau_reference_unlearned.pt| = {diff:.3g}")
        failed |= diff > 2.5e-3 or any(abs(accuracies[m] - reference_after[m]) > 0.002 for m in accuracies)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/iau-exports")
