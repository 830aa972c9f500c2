#!/usr/bin/env python3
"""torchvision's ResNets as the reference for the DJL timm ResNet (io.modelhub.runners.recipes.vision.resnet).

torchvision's resnet18/34/50/... use the parameter names of timm's ResNets, so a timm-layout folder (config.json +
model.safetensors) loads into them with load_state_dict(strict=True).

  resnet_reference.py make OUT_DIR [ARCH ...]
      For each ARCH (default resnet18 resnet50): OUT_DIR/ARCH/ with config.json (timm layout, 3 classes, input
      32 px) and model.safetensors holding seeded random weights, batch norm statistics randomised so that eval-mode
      batch norm is exercised; OUT_DIR/ARCH-io.safetensors with "input" (4, 3, 32, 32), torchvision's eval
      "logits" and the pooled "features" fc reads.
  resnet_reference.py verify MODEL_DIR SPLIT_DIR
      Loads MODEL_DIR (strict), scores the imagefolder split SPLIT_DIR/<label>/*.png at the config's input size,
      mean and std, and prints one JSON line: accuracy, count, logits (by file name, sorted).

Safetensors is written and read by hand (no safetensors package here): 8-byte little-endian header length, JSON
header, raw little-endian data.
"""
import json
import os
import struct
import sys

import torch
import torchvision

DTYPES = {torch.float32: "F32", torch.int64: "I64"}
TORCH_DTYPES = {"F32": torch.float32, "I64": torch.int64}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = TORCH_DTYPES[info["dtype"]]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors


def timm_config(arch, labels, size):
    return {
        "architecture": arch,
        "num_classes": len(labels),
        "num_features": 512 if arch in ("resnet18", "resnet34") else 2048,
        "global_pool": "avg",
        "label_names": labels,
        "pretrained_cfg": {
            "tag": "modelhub_test",
            "input_size": [3, size, size],
            "interpolation": "bilinear",
            "crop_pct": 1.0,
            "mean": [0.485, 0.456, 0.406],
            "std": [0.229, 0.224, 0.225],
            "num_classes": len(labels),
            "first_conv": "conv1",
            "classifier": "fc",
        },
    }


def make(out_dir, archs):
    labels = ["a", "b", "c"]
    for index, arch in enumerate(archs):
        torch.manual_seed(1234 + index)
        model = getattr(torchvision.models, arch)(num_classes=len(labels))
        with torch.no_grad():
            for name, module in model.named_modules():
                if isinstance(module, torch.nn.BatchNorm2d):
                    # non-trivial statistics and affine parameters: eval-mode batch norm must use all four
                    module.running_mean.normal_(0, 0.2)
                    module.running_var.uniform_(0.5, 2.0)
                    module.weight.uniform_(0.5, 1.5)
                    module.bias.normal_(0, 0.1)
                    module.num_batches_tracked.fill_(7)
        model.eval()
        folder = os.path.join(out_dir, arch)
        os.makedirs(folder, exist_ok=True)
        write_safetensors(os.path.join(folder, "model.safetensors"), model.state_dict())
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(timm_config(arch, labels, 32), f, indent=2)
        images = torch.randn(4, 3, 32, 32)
        with torch.no_grad():
            logits = model(images)
            # the pooled features fc reads (timm's pre_logits): the model with fc as the identity
            fc, model.fc = model.fc, torch.nn.Identity()
            features = model(images)
            model.fc = fc
        write_safetensors(os.path.join(out_dir, arch + "-io.safetensors"),
                          {"input": images, "logits": logits, "features": features})
        print(arch, "written, logits std %.3f" % logits.std().item())


def verify(model_dir, split_dir):
    from PIL import Image

    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    cfg = config["pretrained_cfg"]
    labels = config["label_names"]
    model = getattr(torchvision.models, config["architecture"])(num_classes=config["num_classes"])
    # strict: every tensor torchvision has (num_batches_tracked included) and no other
    model.load_state_dict(read_safetensors(os.path.join(model_dir, "model.safetensors")), strict=True)
    model.eval()
    size = cfg["input_size"][1]
    mean = torch.tensor(cfg["mean"]).view(3, 1, 1)
    std = torch.tensor(cfg["std"]).view(3, 1, 1)
    names, batch, truth = [], [], []
    for label in sorted(os.listdir(split_dir)):
        for file in sorted(os.listdir(os.path.join(split_dir, label))):
            image = Image.open(os.path.join(split_dir, label, file)).convert("RGB")
            if image.size != (size, size):
                image = image.resize((size, size), Image.BILINEAR)
            pixels = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(size, size, 3)
            batch.append((pixels.permute(2, 0, 1).float() / 255 - mean) / std)
            names.append(label + "/" + file)
            truth.append(labels.index(label))
    with torch.no_grad():
        logits = model(torch.stack(batch))
    predicted = logits.argmax(1).tolist()
    accuracy = sum(p == t for p, t in zip(predicted, truth)) / len(truth)
    print(json.dumps({"accuracy": accuracy, "count": len(truth),
                      "logits": {n: row for n, row in zip(names, logits.tolist())}}))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3:] or ["resnet18", "resnet50"])
    elif len(sys.argv) == 4 and sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
