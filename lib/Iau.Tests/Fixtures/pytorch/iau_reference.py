#!/usr/bin/env python3
"""The authors' IAU step, in PyTorch, on the fixture's GR LeNet5 and forget set: the reference the kit is tested against
(lib/Iau.Tests/Interop/PyTorchIauReferenceTests.cs). Run once, by hand, with Debian's python3-torch (1.13, CPU):

    /usr/bin/python3 lib/Iau.Tests/Fixtures/pytorch/iau_reference.py

It follows Lolo1222/IAU IAU_unlearn.py (at a45c8af), written anew for this data: load the state_dict into the CNN,
make one Adam optimizer (lr 1e-3, fresh state) over its parameters, backward the mean cross-entropy of the whole
remain set as one batch, then backward minus the mean cross-entropy of the whole forget set as one batch (the two
gradients add up in .grad: g = grad mean L_r - grad mean L_f), and take one optimizer.step(). The model stays in train
mode, as theirs does (LeNet5 has no dropout or batch norm, so it does not matter). Then it measures accuracy on the
forget set (FA), the retain set (RA) and the official test set (TA), before and after.

Writes iau_reference.json (the accuracies, sizes, timings) and iau_reference_unlearned.pt (the state_dict after the
step), and prints the same.
"""
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn

from make_fixture import CNN, normalise, read_idx

HERE = os.path.dirname(os.path.abspath(__file__))


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).sum().item() / len(y)


def main():
    torch.set_num_threads(1)
    split = json.load(open(os.path.join(HERE, "split.json")))
    train_x, train_y = read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz")
    test_x, test_y = read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz")
    forget_rows = np.array(split["forget"])
    forget_set = set(split["forget"])
    retain_rows = np.array([i for i in split["train"] if i not in forget_set])  # train order, as the kit's Retain

    def tensors(rows, x, y):
        return torch.from_numpy(normalise(x[rows]).reshape(-1, 1, 28, 28)), torch.from_numpy(y[rows].astype(np.int64))

    fx, fy = tensors(forget_rows, train_x, train_y)
    rx, ry = tensors(retain_rows, train_x, train_y)
    tx, ty = tensors(np.arange(len(test_y)), test_x, test_y)

    model = CNN()
    model.load_state_dict(torch.load(os.path.join(HERE, "lenet5_gr_fmnist.pt")))
    before = {"FA": accuracy(model, fx, fy), "RA": accuracy(model, rx, ry), "TA": accuracy(model, tx, ty)}

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    start = time.time()
    criterion(model(rx), ry).backward()  # remain set, one batch: + grad mean L_r
    (-criterion(model(fx), fy)).backward()  # forget set, one batch: - grad mean L_f
    optimizer.step()
    seconds = time.time() - start

    after = {"FA": accuracy(model, fx, fy), "RA": accuracy(model, rx, ry), "TA": accuracy(model, tx, ty)}
    torch.save(model.state_dict(), os.path.join(HERE, "iau_reference_unlearned.pt"))
    result = {
        "made_by": "iau_reference.py with torch " + torch.__version__ + ", 1 thread",
        "step": "one Adam step, lr 1e-3, fresh state, g = grad mean CE(remain) - grad mean CE(forget), each set one full batch (Lolo1222/IAU IAU_unlearn.py)",
        "forget": len(fy), "retain": len(ry), "test": len(ty),
        "before": before, "after": after, "seconds": round(seconds, 3),
    }
    with open(os.path.join(HERE, "iau_reference.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
