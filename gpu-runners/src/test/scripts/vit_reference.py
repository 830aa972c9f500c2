"""Reference for the DJL transformers ViT: torchvision 0.14's VisionTransformer under transformers' ViT names.

  vit_reference.py generate OUT_DIR
      A seeded random torchvision VisionTransformer (image 32, patch 8, 2 layers, 4 heads, hidden 64, mlp 128,
      3 classes, LayerNorm eps 1e-6) written as a transformers ViTForImageClassification folder
      (OUT_DIR/model: config.json, preprocessor_config.json, model.safetensors), and OUT_DIR/reference.safetensors
      with a seeded input batch (pixel_values), torchvision's logits and its last_hidden_state (after encoder.ln).

  vit_reference.py verify MODEL_DIR IO_FILE
      Maps a ViTForImageClassification folder (e.g. one the Java side saved) back into torchvision, strictly (every
      tensor used, none missing), runs IO_FILE's pixel_values and prints the max abs difference to IO_FILE's logits.

The mapping (transformers name <- torchvision name; layer i):
  vit.embeddings.cls_token                                     <- class_token
  vit.embeddings.position_embeddings                           <- encoder.pos_embedding
  vit.embeddings.patch_embeddings.projection.{weight,bias}     <- conv_proj
  vit.encoder.layer.i.layernorm_before                         <- encoder.layers.encoder_layer_i.ln_1
  vit.encoder.layer.i.attention.attention.{query,key,value}    <- ...self_attention.in_proj_{weight,bias} (split in 3)
  vit.encoder.layer.i.attention.output.dense                   <- ...self_attention.out_proj
  vit.encoder.layer.i.layernorm_after                          <- ...ln_2
  vit.encoder.layer.i.intermediate.dense                       <- ...mlp.0
  vit.encoder.layer.i.output.dense                             <- ...mlp.3
  vit.layernorm                                                <- encoder.ln
  classifier                                                   <- heads.head
"""
import json
import os
import struct
import sys
from functools import partial

import numpy as np
import torch
from torchvision.models.vision_transformer import VisionTransformer

IMAGE, PATCH, LAYERS, HEADS, HIDDEN, MLP, EPS = 32, 8, 2, 4, 64, 128, 1e-6
LABELS = ["cat", "dog", "bird"]


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit("%s: tensor %s is %s, this script reads F32 only" % (path, name, info["dtype"]))
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[8 + n + begin:8 + n + end], dtype="<f4").reshape(info["shape"])
        out[name] = torch.from_numpy(array.copy())
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in tensors.items():
        raw = tensor.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def torchvision_model(image, patch, layers, heads, hidden, mlp, classes):
    return VisionTransformer(image_size=image, patch_size=patch, num_layers=layers, num_heads=heads,
                             hidden_dim=hidden, mlp_dim=mlp, num_classes=classes,
                             norm_layer=partial(torch.nn.LayerNorm, eps=EPS)).eval()


def to_hf(state, layers):
    """torchvision state dict -> transformers ViTForImageClassification names."""
    hf = {
        "vit.embeddings.cls_token": state["class_token"],
        "vit.embeddings.position_embeddings": state["encoder.pos_embedding"],
        "vit.embeddings.patch_embeddings.projection.weight": state["conv_proj.weight"],
        "vit.embeddings.patch_embeddings.projection.bias": state["conv_proj.bias"],
    }
    for i in range(layers):
        tv, p = "encoder.layers.encoder_layer_%d." % i, "vit.encoder.layer.%d." % i
        q, k, v = state[tv + "self_attention.in_proj_weight"].chunk(3, 0)
        qb, kb, vb = state[tv + "self_attention.in_proj_bias"].chunk(3, 0)
        for part, w, b in (("query", q, qb), ("key", k, kb), ("value", v, vb)):
            hf[p + "attention.attention." + part + ".weight"] = w
            hf[p + "attention.attention." + part + ".bias"] = b
        for hf_name, tv_name in (("attention.output.dense", "self_attention.out_proj"), ("layernorm_before", "ln_1"),
                                 ("layernorm_after", "ln_2"), ("intermediate.dense", "mlp.0"),
                                 ("output.dense", "mlp.3")):
            hf[p + hf_name + ".weight"] = state[tv + tv_name + ".weight"]
            hf[p + hf_name + ".bias"] = state[tv + tv_name + ".bias"]
    hf["vit.layernorm.weight"] = state["encoder.ln.weight"]
    hf["vit.layernorm.bias"] = state["encoder.ln.bias"]
    hf["classifier.weight"] = state["heads.head.weight"]
    hf["classifier.bias"] = state["heads.head.bias"]
    return hf


def from_hf(hf, layers):
    """The inverse of to_hf; fails on any tensor left over."""
    left = dict(hf)
    take = left.pop
    state = {
        "class_token": take("vit.embeddings.cls_token"),
        "encoder.pos_embedding": take("vit.embeddings.position_embeddings"),
        "conv_proj.weight": take("vit.embeddings.patch_embeddings.projection.weight"),
        "conv_proj.bias": take("vit.embeddings.patch_embeddings.projection.bias"),
    }
    for i in range(layers):
        tv, p = "encoder.layers.encoder_layer_%d." % i, "vit.encoder.layer.%d." % i
        a = p + "attention.attention."
        state[tv + "self_attention.in_proj_weight"] = torch.cat(
            [take(a + "query.weight"), take(a + "key.weight"), take(a + "value.weight")], 0)
        state[tv + "self_attention.in_proj_bias"] = torch.cat(
            [take(a + "query.bias"), take(a + "key.bias"), take(a + "value.bias")], 0)
        for hf_name, tv_name in (("attention.output.dense", "self_attention.out_proj"), ("layernorm_before", "ln_1"),
                                 ("layernorm_after", "ln_2"), ("intermediate.dense", "mlp.0"),
                                 ("output.dense", "mlp.3")):
            state[tv + tv_name + ".weight"] = take(p + hf_name + ".weight")
            state[tv + tv_name + ".bias"] = take(p + hf_name + ".bias")
    state["encoder.ln.weight"] = take("vit.layernorm.weight")
    state["encoder.ln.bias"] = take("vit.layernorm.bias")
    state["heads.head.weight"] = take("classifier.weight")
    state["heads.head.bias"] = take("classifier.bias")
    if left:
        raise SystemExit("tensors without a torchvision counterpart: %s" % sorted(left))
    return state


def last_hidden_state(model, x):
    """VisionTransformer.forward up to encoder.ln, keeping every token (forward itself keeps only the class token)."""
    x = model._process_input(x)
    cls = model.class_token.expand(x.shape[0], -1, -1)
    return model.encoder(torch.cat([cls, x], dim=1))


def generate(out):
    torch.manual_seed(1234)
    model = torchvision_model(IMAGE, PATCH, LAYERS, HEADS, HIDDEN, MLP, len(LABELS))
    with torch.no_grad():
        # torchvision starts the class token and the head at zero; random values exercise every path
        for name, p in model.named_parameters():
            if ".ln" in name or "ln_" in name or name.startswith("encoder.ln"):
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.1 * torch.randn_like(p))
    model_dir = os.path.join(out, "model")
    os.makedirs(model_dir, exist_ok=True)
    write_safetensors(os.path.join(model_dir, "model.safetensors"), to_hf(model.state_dict(), LAYERS))
    config = {
        "architectures": ["ViTForImageClassification"],
        "model_type": "vit",
        "attention_probs_dropout_prob": 0.0,
        "encoder_stride": PATCH,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "hidden_size": HIDDEN,
        "id2label": {str(i): l for i, l in enumerate(LABELS)},
        "label2id": {l: i for i, l in enumerate(LABELS)},
        "image_size": IMAGE,
        "initializer_range": 0.02,
        "intermediate_size": MLP,
        "layer_norm_eps": EPS,
        "num_attention_heads": HEADS,
        "num_channels": 3,
        "num_hidden_layers": LAYERS,
        "patch_size": PATCH,
        "qkv_bias": True,
        "torch_dtype": "float32",
        "transformers_version": "4.46.0",
    }
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    preprocessor = {
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": [0.5, 0.5, 0.5],
        "image_processor_type": "ViTImageProcessor",
        "image_std": [0.5, 0.5, 0.5],
        "resample": 2,
        "rescale_factor": 0.00392156862745098,
        "size": {"height": IMAGE, "width": IMAGE},
    }
    with open(os.path.join(model_dir, "preprocessor_config.json"), "w") as f:
        json.dump(preprocessor, f, indent=2)
    pixels = torch.randn(4, 3, IMAGE, IMAGE, generator=torch.Generator().manual_seed(99))
    with torch.no_grad():
        logits = model(pixels)
        hidden = last_hidden_state(model, pixels)
    write_safetensors(os.path.join(out, "reference.safetensors"),
                      {"pixel_values": pixels, "logits": logits, "last_hidden_state": hidden})
    print("generated %s: logits %s, last_hidden_state %s" % (out, tuple(logits.shape), tuple(hidden.shape)))


def verify(model_dir, io_file):
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(model_dir, "preprocessor_config.json")) as f:
        json.load(f)
    if config.get("model_type") != "vit" or config.get("architectures") != ["ViTForImageClassification"]:
        raise SystemExit("config.json is not a ViTForImageClassification: %s" % config)
    labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
    model = torchvision_model(config["image_size"], config["patch_size"], config["num_hidden_layers"],
                              config["num_attention_heads"], config["hidden_size"], config["intermediate_size"],
                              len(labels))
    model.load_state_dict(from_hf(read_safetensors(os.path.join(model_dir, "model.safetensors")),
                                  config["num_hidden_layers"]), strict=True)
    io = read_safetensors(io_file)
    with torch.no_grad():
        logits = model(io["pixel_values"])
    diff = (logits - io["logits"]).abs().max().item()
    print("labels %s" % ",".join(labels))
    print("max_abs_diff %.9g" % diff)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "generate":
        generate(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
