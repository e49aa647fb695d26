#!/usr/bin/env python3
"""Makes the PyTorch fixtures in this folder. Run once, by hand, where Debian's python3-torch (1.13, CPU) and
dataset-fashion-mnist are installed:

    /usr/bin/python3 lib/Iau.Tests/Fixtures/pytorch/make_fixture.py

CI never runs it: the files it writes are committed data, read by lib/Iau.Tests/Interop/*. What it writes:

  lenet5_gr_fmnist.pt   a LeNet5 state_dict in the layout of Lolo1222/IAU train_model.py (conv1, conv2, fc1, fc2,
                        fc3; one input channel, so fc1 takes 16*4*4), trained briefly in PyTorch with gradient
                        restriction (alpha 0.005) on a subset of Fashion-MNIST
  split.json            that subset as a kit split (train/valid rows of the official training set, and a forget set
                        of 5% of train), with the kit's dataset fingerprint
  logits.json           the logits of fixed batches: LeNet5 on official test rows 0..31 (their pixels are in the file
                        too, so the test needs no dataset); the small models below on inputs given by a formula both
                        sides compute exactly
  mlp.pt, logreg.pt     nn.Sequential(Linear(20,16), Tanh(), Linear(16,8), Tanh(), Linear(8,5)) and nn.Linear(20,5)
  resnet18_w2.pt        torchvision's resnet18 naming with the CIFAR stem (conv1 3x3 stride 1, no max pooling),
                        width 2 instead of 64 so that the file is small, batch-norm statistics from a few batches
  vgg19_w2.pt           kuangliu/pytorch-cifar VGG('VGG19') naming (features.N, classifier), width 2
  bad/*.pt              files the kit must refuse (never loaded here): a whole pickled module, a training
                        checkpoint dict, float64 weights, the legacy (non-zip) format, a list, TorchScript, and two
                        pickles that would run os.system if unpickled by Python (GLOBAL and STACK_GLOBAL forms)

Input normalisation is the kit's for Fashion-MNIST, computed in float32 exactly as lib/Iau/Data/TensorData.cs does:
((x * float32(1/255)) - 0.2860) * (1 / 0.3530).
"""
import base64
import copy
import gzip
import hashlib
import io
import json
import os
import pickle
import struct
import time
import zipfile

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = "/usr/share/datasets/fashion-mnist"
SEED = 1  # the authors' split seed (numpy), data_train_valid.py
TRAIN, VALID, FORGET_RATIO = 8000, 2000, 0.05
EPOCHS, ALPHA, LR, BATCH = 6, 0.005, 1e-3, 64


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    magic = struct.unpack(">I", raw[:4])[0]
    dims = struct.unpack(">" + "I" * (magic & 0xFF), raw[4:4 + 4 * (magic & 0xFF)])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def fingerprint(train_x, train_y, test_x, test_y):
    """lib/Iau/Data/DatasetLoader.cs Fingerprint: shapes, counts, pixels, int32 labels of train then test."""
    h = hashlib.sha256()
    for x, y in ((train_x, train_y), (test_x, test_y)):
        for d in (1, 28, 28):
            h.update(struct.pack("<i", d))
        h.update(struct.pack("<i", len(y)))
        h.update(x.tobytes())
        h.update(y.astype("<i4").tobytes())
    return h.hexdigest()[:16]


def normalise(x):
    scale = np.float32(1) / np.float32(255)
    inv = np.float32(1) / np.float32(0.3530)
    return ((x.astype(np.float32) * scale) - np.float32(0.2860)) * inv


class CNN(nn.Module):
    """Lolo1222/IAU train_model.py CNN, for one input channel (28x28: fc1 takes 16*4*4)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = x.view(-1, 16 * 4 * 4)
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.fc3(x)


class BasicBlock(nn.Module):
    """torchvision.models.resnet.BasicBlock's names: conv1, bn1, relu, conv2, bn2, downsample."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """torchvision.models.resnet18's module names with the CIFAR stem: what
    m = torchvision.models.resnet18(num_classes=10); m.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False); m.maxpool = nn.Identity()
    gives, with every width divided by 64 / w."""

    def __init__(self, channels, classes, w):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, w, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Identity()
        widths, inplanes, layers = [w, 2 * w, 4 * w, 8 * w], w, []
        for i, planes in enumerate(widths):
            layers.append(nn.Sequential(BasicBlock(inplanes, planes, 1 if i == 0 else 2), BasicBlock(planes, planes, 1)))
            inplanes = planes
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * w, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class VGG19(nn.Module):
    """kuangliu/pytorch-cifar models/vgg.py VGG('VGG19'), with every width scaled by w / 64."""

    def __init__(self, channels, classes, w):
        super().__init__()
        cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
        layers, c = [], channels
        for v in cfg:
            if v == "M":
                layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
            else:
                v = v * w // 64
                layers += [nn.Conv2d(c, v, kernel_size=3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                c = v
        layers += [nn.AvgPool2d(kernel_size=1, stride=1)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        return self.classifier(self.features(x).view(x.size(0), -1))


def formula_batch(shape):
    """x[i] = ((i*37) % 101) / 50 - 1 in float32, i the flat index: the kit computes the same values exactly."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.int64)
    x = ((i * 37) % 101).astype(np.float32) / np.float32(50) - np.float32(1)
    return torch.from_numpy(x.reshape(shape))


def floats(t):
    return [[float(v) for v in row] for row in t.detach().numpy().astype(np.float32)]


def train_gr(x, y, vx, vy):
    torch.manual_seed(42)
    model = CNN()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    criterion = nn.CrossEntropyLoss()
    best, best_state, history = -1.0, None, []
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(y))
        start = time.time()
        for s in range(0, len(y), BATCH):
            idx = order[s:s + BATCH]
            loss0 = criterion(model(x[idx]), y[idx])
            grads = torch.autograd.grad(loss0, model.parameters(), create_graph=True)
            loss = loss0 + ALPHA * sum(torch.norm(g) for g in grads)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(vx).argmax(1) == vy).float().mean().item()
        history.append({"epoch": epoch + 1, "valid_accuracy": acc, "seconds": round(time.time() - start, 2)})
        print(f"epoch {epoch + 1}: valid {acc:.4f} ({time.time() - start:.1f} s)", flush=True)
        if acc >= best:  # the authors keep the last best (>=) copy
            best, best_state = acc, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    return model, history


def save_bad(folder):
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    lin = nn.Linear(20, 5)
    torch.save(lin, os.path.join(folder, "whole_module.pt"))
    torch.save({"epoch": 3, "state_dict": lin.state_dict()}, os.path.join(folder, "training_checkpoint.pt"))
    torch.save(copy.deepcopy(lin).double().state_dict(), os.path.join(folder, "float64.pt"))
    torch.save(lin.state_dict(), os.path.join(folder, "legacy_format.pt"), _use_new_zipfile_serialization=False)
    torch.save([lin.weight.detach(), lin.bias.detach()], os.path.join(folder, "list.pt"))
    torch.jit.save(torch.jit.script(lin), os.path.join(folder, "torchscript.pt"))

    class RunsACommand:  # pickling records os.system and its argument; nothing runs here
        def __reduce__(self):
            return (os.system, ("echo the kit ran a command from a pickle > /tmp/iau-pickle-ran",))

    for name, protocol in (("runs_a_command_global.pt", 2), ("runs_a_command_stack_global.pt", 4)):
        payload = pickle.dumps({"weight": RunsACommand()}, protocol=protocol)
        with zipfile.ZipFile(os.path.join(folder, name), "w", zipfile.ZIP_STORED) as z:
            z.writestr("archive/data.pkl", payload)
            z.writestr("archive/version", "3\n")


def main():
    torch.set_num_threads(1)
    train_x, train_y = read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz")
    test_x, test_y = read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz")
    fp = fingerprint(train_x, train_y, test_x, test_y)

    # The authors' split (data_train_valid.py: numpy seed 1, the last 20% valid), then its first TRAIN / VALID rows,
    # and a random 5% of that train as the forget set (data_remain_unlearn.py draws it with numpy too).
    n = len(train_y)
    rng = np.random.RandomState(SEED)
    perm = rng.permutation(n)
    n_valid = int(n * 0.2)
    train = np.sort(perm[: n - n_valid][:TRAIN])
    valid = np.sort(perm[n - n_valid:][:VALID])
    forget = np.sort(rng.choice(train, int(TRAIN * FORGET_RATIO), replace=False))
    split = {
        "dataset": "fashion-mnist", "fingerprint": fp, "officialTrainCount": n, "testCount": len(test_y),
        "seed": SEED, "validFraction": 0.2, "train": train.tolist(), "valid": valid.tolist(),
        "forgetMode": "Indices", "forgetRatio": None, "forgetClass": None, "forgetSeed": 0, "forget": forget.tolist(),
    }
    with open(os.path.join(HERE, "split.json"), "w") as f:
        json.dump(split, f, separators=(",", ":"))

    def tensors(rows, x, y):
        return torch.from_numpy(normalise(x[rows]).reshape(-1, 1, 28, 28)), torch.from_numpy(y[rows].astype(np.int64))

    tx, ty = tensors(train, train_x, train_y)
    vx, vy = tensors(valid, train_x, train_y)
    model, history = train_gr(tx, ty, vx, vy)
    torch.save(model.state_dict(), os.path.join(HERE, "lenet5_gr_fmnist.pt"))

    logits = {}
    sx, sy = tensors(np.arange(32), test_x, test_y)
    with torch.no_grad():
        logits["lenet5"] = {"input": "fashion-mnist official test rows 0..31 (pixels: their bytes, base64), the kit's normalisation",
                            "inputShape": [1, 28, 28], "classes": 10, "file": "lenet5_gr_fmnist.pt", "labels": sy.tolist(),
                            "pixels": base64.b64encode(test_x[:32].tobytes()).decode("ascii"), "logits": floats(model(sx))}

    torch.manual_seed(7)
    small = {
        "mlp": (nn.Sequential(nn.Linear(20, 16), nn.Tanh(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 5)), [20], 5),
        "logreg": (nn.Linear(20, 5), [20], 5),
        "resnet18": (ResNet18(3, 10, 2), [3, 32, 32], 10),
        "vgg19": (VGG19(3, 10, 2), [3, 32, 32], 10),
    }
    for name, (m, shape, classes) in small.items():
        if name in ("resnet18", "vgg19"):  # batch-norm running statistics that are not the defaults
            m.train()
            with torch.no_grad():
                for _ in range(3):
                    m(torch.randn(8, *shape) * 2 + 0.5)
        m.eval()
        file = {"resnet18": "resnet18_w2.pt", "vgg19": "vgg19_w2.pt"}.get(name, name + ".pt")
        torch.save(m.state_dict(), os.path.join(HERE, file))
        x = formula_batch([4] + shape)
        with torch.no_grad():
            logits[name] = {"input": "x[i] = ((i*37) % 101) / 50 - 1 in float32 over the flat index of a batch of 4",
                            "inputShape": shape, "classes": classes, "file": file, "logits": floats(m(x))}

    with open(os.path.join(HERE, "logits.json"), "w") as f:
        json.dump({"made_by": "make_fixture.py with torch " + torch.__version__, "training": history, **logits}, f, indent=1)
    save_bad(os.path.join(HERE, "bad"))
    print("written; test accuracy of the LeNet5:",
          (model(tensors(np.arange(len(test_y)), test_x, test_y)[0]).argmax(1) == torch.from_numpy(test_y.astype(np.int64))).float().mean().item())


if __name__ == "__main__":
    main()
