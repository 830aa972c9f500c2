"""The PyTorch side of the seeds' MNIST experiment: the same network as the hub's modelhub-cnn, trained in plain
PyTorch on the same imagefolder PNGs with the same recipe (Adam, batch 32, cross-entropy, per-epoch shuffle), so
that the hub's accuracy and training speed can be compared with it (SeedsCnnBenchmark, docs/benchmarks.md).

    /usr/bin/python3 seeds_cnn_reference.py DATA_DIR [--arch seeds|default] [--epochs 5] [--batch 32] [--lr 1e-3]
        [--seed 1] [--threads 1] [--init torch|hub]

DATA_DIR holds train/ and test/ (validation/ is not used: nothing is selected on it). Images are decoded with
Pillow (grey: convert("L"), RGB: convert("RGB")) and normalised to [-1, 1] as the hub's config does
(image_mean = image_std = 0.5), then kept as one tensor: the training loop reads pre-decoded data. --init hub
initialises as the hub's CnnInitializers do (He-uniform weights, zero biases, classifier U(+-1/sqrt(fan_in)));
--init torch keeps PyTorch's defaults. Prints one JSON line: test_accuracy, train_images_per_s (the training
steps only), decode_images_per_s, the counts, and torch's version, thread count and BLAS.

Debian's torch 1.13 is built with BLAS_INFO=generic: its dense layers run on whatever libblas.so.3 the system
selects, by default the reference BLAS, many times slower than DJL's bundled MKL. Convolutions use its oneDNN either
way. Where Debian's OpenBLAS (libopenblas0-pthread) is installed, the script re-runs itself with it loaded for this
process only (LD_LIBRARY_PATH, OPENBLAS_NUM_THREADS = --threads), so the comparison is against a fairly built
PyTorch; --blas system keeps the system's choice.

    /usr/bin/python3 seeds_cnn_reference.py --layers

prints single conv layers' forward and forward + backward times (batch 32, one thread, best of 12 rounds of 30),
PyTorch's side of SeedsCnnBenchmark#convLayerTimings.

    /usr/bin/python3 seeds_cnn_reference.py --parity OUT_DIR

writes a seeded seeds' CNN as OUT_DIR/model.safetensors under the hub's tensor names (backbone.conv0.weight, ...,
backbone.fc0.weight, classifier.weight), a seeded grey batch OUT_DIR/input.safetensors ("pixel_values", already
normalised, 4 x 1 x 28 x 28) and PyTorch's logits OUT_DIR/logits.safetensors: CnnModelTest loads the weights by name
and must compute the same logits, which pins the layer order, valid padding, pooling and the flatten order.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
from PIL import Image
from torch import nn


def load_split(root, split, grey, mean, std):
    labels = sorted(d for d in os.listdir(os.path.join(root, split)) if not d.startswith("."))
    images, targets = [], []
    for index, label in enumerate(labels):
        folder = os.path.join(root, split, label)
        for name in sorted(os.listdir(folder)):
            with Image.open(os.path.join(folder, name)) as image:
                array = np.asarray(image.convert("L" if grey else "RGB"), dtype=np.uint8)
            images.append(array[None, :, :] if grey else array.transpose(2, 0, 1))
            targets.append(index)
    x = torch.from_numpy(np.stack(images)).float().div_(255).sub_(mean).div_(std)
    return x, torch.tensor(targets, dtype=torch.int64), labels


def seeds_cnn(num_labels):
    # Keras: Conv2D(32, 3, relu) -> MaxPool2D -> Conv2D(64, 3, relu) -> MaxPool2D -> Flatten -> Dense(64, relu) -> Dense(10)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 64), nn.ReLU(), nn.Linear(64, num_labels))


def default_cnn(num_labels, channels=(16, 32, 64)):
    # modelhub-cnn's default: conv (same, no bias) -> batch norm -> ReLU -> max pool, the last stage averaged
    layers, previous = [], 3
    for i, width in enumerate(channels):
        layers += [nn.Conv2d(previous, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
        layers.append(nn.MaxPool2d(2) if i < len(channels) - 1 else nn.AdaptiveAvgPool2d(1))
        previous = width
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(previous, num_labels))


def hub_init(model, generator):
    linears = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    for m in linears:
        fan_in = m.weight[0].numel()
        bound = 1 / math.sqrt(fan_in) if m is linears[-1] else math.sqrt(6 / fan_in)
        with torch.no_grad():
            m.weight.uniform_(-bound, bound, generator=generator)
            if m.bias is not None:
                m.bias.zero_()


def keras_init(model, generator):
    # Keras' defaults: glorot_uniform kernels, zero biases
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan_in = m.weight[0].numel()
            fan_out = m.weight.shape[0] * m.weight[0][0].numel()
            bound = math.sqrt(6 / (fan_in + fan_out))
            with torch.no_grad():
                m.weight.uniform_(-bound, bound, generator=generator)
                if m.bias is not None:
                    m.bias.zero_()


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum((model(x[i:i + 256]).argmax(1) == y[i:i + 256]).sum().item() for i in range(0, len(x), 256))
    return correct / len(x)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header).encode("utf-8")
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(encoded)))
        out.write(encoded)
        for blob in blobs:
            out.write(blob)


def parity(out_dir):
    torch.manual_seed(3)
    model = seeds_cnn(10).eval()
    names = {0: "backbone.conv0", 3: "backbone.conv1", 7: "backbone.fc0", 9: "classifier"}
    tensors = {}
    for index, prefix in names.items():
        tensors[prefix + ".weight"] = model[index].weight
        tensors[prefix + ".bias"] = model[index].bias
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), tensors)
    x = torch.rand(4, 1, 28, 28, generator=torch.Generator().manual_seed(4)) * 2 - 1
    write_safetensors(os.path.join(out_dir, "input.safetensors"), {"pixel_values": x})
    with torch.no_grad():
        write_safetensors(os.path.join(out_dir, "logits.safetensors"), {"logits": model(x)})


OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread"


def use_openblas(threads):
    """Re-executes this script with Debian's OpenBLAS in front of the system BLAS; returns only if it cannot."""
    if OPENBLAS_DIR in os.environ.get("LD_LIBRARY_PATH", "") or not os.path.exists(os.path.join(OPENBLAS_DIR, "libblas.so.3")):
        return
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = OPENBLAS_DIR + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def layer_timings():
    torch.set_num_threads(1)

    def millis(layer, x, backward):
        started = time.perf_counter()
        for _ in range(30):
            total = layer(x).sum()
            if backward:
                total.backward()
        return (time.perf_counter() - started) / 30 * 1e3

    for name, layer, shape in (("conv 1->32 28x28", nn.Conv2d(1, 32, 3), (32, 1, 28, 28)),
                               ("conv 32->64 13x13", nn.Conv2d(32, 64, 3), (32, 32, 13, 13)),
                               ("conv 3->16 28x28", nn.Conv2d(3, 16, 3), (32, 3, 28, 28))):
        x = torch.randn(*shape)
        forward = min(millis(layer, x, False) for _ in range(12))
        both = min(millis(layer, x, True) for _ in range(12))
        print(f"PyTorch {torch.__version__} {name}: forward {forward:.3f} ms, forward + backward {both:.3f} ms")


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--layers":
        layer_timings()
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--parity":
        parity(sys.argv[2])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--arch", choices=["seeds", "default"], default="seeds")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--init", choices=["torch", "hub", "keras"], default="torch")
    parser.add_argument("--mean", type=float, default=0.5, help="the config's image_mean (one value for all channels)")
    parser.add_argument("--std", type=float, default=0.5, help="the config's image_std")
    parser.add_argument("--blas", choices=["openblas", "system"], default="openblas")
    args = parser.parse_args()
    if args.blas == "openblas":
        use_openblas(args.threads)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    grey = args.arch == "seeds"

    started = time.perf_counter()
    x_train, y_train, labels = load_split(args.data, "train", grey, args.mean, args.std)
    x_test, y_test, _ = load_split(args.data, "test", grey, args.mean, args.std)
    decode_seconds = time.perf_counter() - started

    model = seeds_cnn(len(labels)) if grey else default_cnn(len(labels))
    generator = torch.Generator().manual_seed(args.seed)
    if args.init == "hub":
        hub_init(model, generator)
    elif args.init == "keras":
        keras_init(model, generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    train_seconds, seen, epoch_rates = 0.0, 0, []
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        started = time.perf_counter()
        for i in range(0, len(order), args.batch):
            batch = order[i:i + args.batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
            seen += len(batch)
        train_seconds += time.perf_counter() - started
        epoch_rates.append(len(order) / (time.perf_counter() - started))
    print(json.dumps({
        "arch": args.arch, "init": args.init, "test_accuracy": accuracy(model, x_test, y_test),
        "train_images_per_s": seen / train_seconds,
        "epoch_images_per_s": epoch_rates, "decode_images_per_s": (len(x_train) + len(x_test)) / decode_seconds,
        "train": len(x_train), "test": len(x_test), "epochs": args.epochs, "batch": args.batch,
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "blas": "openblas" if OPENBLAS_DIR in os.environ.get("LD_LIBRARY_PATH", "") else "system"}))


if __name__ == "__main__":
    main()
