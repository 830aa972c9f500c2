#!/usr/bin/env python3
"""torchaudio's wav2vec2 / HuBERT as the reference for io.modelhub.runners.recipes.audio.wav2vec2.

    /usr/bin/python3 wav2vec2_reference.py generate OUT_DIR      # seeded tiny models + inputs + torchaudio outputs
    /usr/bin/python3 wav2vec2_reference.py verify MODEL_DIR INPUTS OUT   # a (Java-saved) folder run by torchaudio

generate writes, for each variant below, OUT_DIR/<variant>/ as a transformers model folder (config.json,
preprocessor_config.json, model.safetensors under transformers' names) and OUT_DIR/<variant>/reference.safetensors:
input_values (batch, samples), attention_mask (batch, samples; all ones when the variant uses no mask),
last_hidden_state (batch, frames, hidden) from torchaudio and, for the classifier variants, logits of transformers'
*ForSequenceClassification head computed here on torchaudio's hidden states (projector, mean over the frames the
sample mask covers, classifier). verify loads a folder into torchaudio and writes the same outputs for INPUTS' input
values and mask to OUT.

transformers' names load into torchaudio's wav2vec2_model by this mapping (the rest of each name is equal):
    feature_extractor.*                -> feature_extractor.*
    feature_projection.*               -> encoder.feature_projection.*
    encoder.pos_conv_embed.*           -> encoder.transformer.pos_conv_embed.*   (weight_g / weight_v, dim 2)
    encoder.layer_norm.*               -> encoder.transformer.layer_norm.*
    encoder.layers.N.*                 -> encoder.transformer.layers.N.*
with the *ForX prefix ("wav2vec2." / "hubert.") stripped; do_stable_layer_norm is torchaudio's
encoder_layer_norm_first; feat_extract_norm "group"/"layer" is extractor_mode "group_norm"/"layer_norm".
Needs Debian's python3-torch and python3-torchaudio; deterministic for a given torch version.
"""
import json
import os
import struct
import sys

import torch
from torchaudio.models import wav2vec2_model

VARIANTS = {
    # facebook/wav2vec2-base's shape: GroupNorm on the first conv, post-LN encoder, no attention mask, base layout
    "wav2vec2-group": dict(model_type="wav2vec2", feat_extract_norm="group", do_stable_layer_norm=False,
                           conv_bias=False, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4,
                           mask=False, classifier=False, parametrized=False, lengths=[1600, 1600]),
    # wav2vec2-large-lv60's shape: LayerNorm convs with bias, stable layer norm, a mask, a classifier checkpoint
    # whose weight norm is spelled the parametrization way
    "wav2vec2-layer-stable": dict(model_type="wav2vec2", feat_extract_norm="layer", do_stable_layer_norm=True,
                                  conv_bias=True, num_conv_pos_embeddings=15, num_conv_pos_embedding_groups=2,
                                  mask=True, classifier=True, parametrized=True, lengths=[1600, 1210, 835]),
    # HuBERT, GroupNorm with a padding mask and a weighted layer sum under the classifier
    "hubert-group": dict(model_type="hubert", feat_extract_norm="group", do_stable_layer_norm=False,
                         conv_bias=False, num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2,
                         mask=True, classifier=True, parametrized=False, weighted=True, lengths=[1500, 1600, 977]),
}
CONV = [(16, 10, 5), (16, 3, 2), (16, 2, 2)]
HIDDEN, LAYERS, HEADS, INTERMEDIATE, PROJ, LABELS = 32, 2, 2, 64, 8, ["no", "yes", "maybe"]


def write_safetensors(path, tensors):
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name + " is " + info["dtype"]
        begin, end = info["data_offsets"]
        buf = bytearray(raw[8 + n + begin:8 + n + end])
        out[name] = torch.frombuffer(buf, dtype=torch.float32).reshape(info["shape"]).clone()
    return out


def config_of(v):
    config = {
        "model_type": v["model_type"], "conv_dim": [c[0] for c in CONV], "conv_kernel": [c[1] for c in CONV],
        "conv_stride": [c[2] for c in CONV], "conv_bias": v["conv_bias"], "feat_extract_norm": v["feat_extract_norm"],
        "feat_extract_activation": "gelu", "hidden_size": HIDDEN, "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS, "intermediate_size": INTERMEDIATE, "hidden_act": "gelu",
        "layer_norm_eps": 1e-5, "num_conv_pos_embeddings": v["num_conv_pos_embeddings"],
        "num_conv_pos_embedding_groups": v["num_conv_pos_embedding_groups"],
        "do_stable_layer_norm": v["do_stable_layer_norm"], "use_weighted_layer_sum": v.get("weighted", False),
        "classifier_proj_size": PROJ, "mask_time_prob": 0.05, "initializer_range": 0.02,
    }
    if v["model_type"] == "hubert":
        config["feat_proj_layer_norm"] = True
    prefix = "Hubert" if v["model_type"] == "hubert" else "Wav2Vec2"
    if v["classifier"]:
        config["architectures"] = [prefix + "ForSequenceClassification"]
        config["num_labels"] = len(LABELS)
        config["id2label"] = {str(i): l for i, l in enumerate(LABELS)}
        config["label2id"] = {l: i for i, l in enumerate(LABELS)}
    else:
        config["architectures"] = [prefix + "Model"]
    return config


def torchaudio_model(config):
    model = wav2vec2_model(
        extractor_mode="layer_norm" if config["feat_extract_norm"] == "layer" else "group_norm",
        extractor_conv_layer_config=list(zip(config["conv_dim"], config["conv_kernel"], config["conv_stride"])),
        extractor_conv_bias=config["conv_bias"], encoder_embed_dim=config["hidden_size"],
        encoder_projection_dropout=0.0, encoder_pos_conv_kernel=config["num_conv_pos_embeddings"],
        encoder_pos_conv_groups=config["num_conv_pos_embedding_groups"],
        encoder_num_layers=config["num_hidden_layers"], encoder_num_heads=config["num_attention_heads"],
        encoder_attention_dropout=0.0, encoder_ff_interm_features=config["intermediate_size"],
        encoder_ff_interm_dropout=0.0, encoder_dropout=0.0,
        encoder_layer_norm_first=config["do_stable_layer_norm"], encoder_layer_drop=0.0, aux_num_out=None)
    return model.eval()


def to_transformers(name):
    if name.startswith("encoder.feature_projection."):
        return name[len("encoder."):]
    if name.startswith("encoder.transformer."):
        return "encoder." + name[len("encoder.transformer."):]
    return name


def to_torchaudio(name):
    if name.startswith("feature_projection."):
        return "encoder." + name
    if name.startswith("encoder."):
        return "encoder.transformer." + name[len("encoder."):]
    return name


def head_logits(config, head, hidden_states, attention_mask):
    """transformers' Wav2Vec2ForSequenceClassification.forward after the base model, written out as it is there."""
    if config.get("use_weighted_layer_sum"):
        stacked = torch.stack(hidden_states, dim=1)
        weights = torch.softmax(head["layer_weights"], dim=-1)
        h = (stacked * weights.view(-1, 1, 1)).sum(dim=1)
    else:
        h = hidden_states[-1]
    h = h @ head["projector.weight"].T + head["projector.bias"]
    if attention_mask is None:
        pooled = h.mean(dim=1)
    else:
        lengths = attention_mask.cumsum(dim=-1)[:, -1].long()
        for kernel, stride in zip(config["conv_kernel"], config["conv_stride"]):
            lengths = torch.div(lengths - kernel, stride, rounding_mode="floor") + 1
        padding = torch.zeros(h.shape[:2], dtype=torch.long)
        padding[(torch.arange(h.shape[0]), lengths - 1)] = 1
        padding = padding.flip([-1]).cumsum(-1).flip([-1]).bool()
        h = h.clone()
        h[~padding.unsqueeze(-1).repeat(1, 1, h.shape[2])] = 0.0
        pooled = h.sum(dim=1) / padding.sum(dim=1).view(-1, 1)
    return pooled @ head["classifier.weight"].T + head["classifier.bias"]


def run(config, model, head, values, mask):
    """last_hidden_state, hidden_states (transformers' tuple) and logits (None without a head)."""
    lengths = mask.sum(dim=1).long() if mask is not None else None
    with torch.no_grad():
        features, frame_lengths = model.feature_extractor(values, lengths)
        x, attention = model.encoder._preprocess(features, frame_lengths)
        transformer = model.encoder.transformer
        x0 = transformer._preprocess(x)
        states = [x0]
        for layer in transformer.layers:
            states.append(layer(states[-1], attention))
        last = states[-1] if transformer.layer_norm_first else transformer.layer_norm(states[-1])
        full, _ = model(values, lengths)
        assert torch.allclose(full, last, atol=1e-6), "torchaudio's forward and its parts disagree"
        states[-1] = last
        logits = head_logits(config, head, states, mask) if head is not None else None
    return last, states, logits


def generate(out_dir):
    for index, (name, v) in enumerate(VARIANTS.items()):
        torch.manual_seed(1234 + index)
        config = config_of(v)
        model = torchaudio_model(config)
        with torch.no_grad():
            for pname, p in model.named_parameters():
                if pname.endswith("weight_g"):
                    p.copy_(0.5 + torch.rand_like(p))
                elif "norm" in pname and pname.endswith("weight"):
                    p.copy_(1 + 0.1 * torch.randn_like(p))
                elif pname.endswith("bias"):
                    p.copy_(0.1 * torch.randn_like(p))
        prefix = v["model_type"] + "." if v["classifier"] else ""
        tensors = {}
        for pname, p in model.state_dict().items():
            tname = to_transformers(pname)
            if v["parametrized"]:
                tname = tname.replace("conv.weight_g", "conv.parametrizations.weight.original0")
                tname = tname.replace("conv.weight_v", "conv.parametrizations.weight.original1")
            tensors[prefix + tname] = p
        tensors[prefix + "masked_spec_embed"] = torch.rand(HIDDEN)
        head = None
        if v["classifier"]:
            head = {"projector.weight": 0.3 * torch.randn(PROJ, HIDDEN), "projector.bias": 0.1 * torch.randn(PROJ),
                    "classifier.weight": 0.3 * torch.randn(len(LABELS), PROJ),
                    "classifier.bias": 0.1 * torch.randn(len(LABELS))}
            if v.get("weighted"):
                head["layer_weights"] = torch.randn(LAYERS + 1)
            tensors.update(head)
        folder = os.path.join(out_dir, name)
        os.makedirs(folder, exist_ok=True)
        write_safetensors(os.path.join(folder, "model.safetensors"), tensors)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
        with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
            json.dump({"do_normalize": True, "feature_extractor_type": "Wav2Vec2FeatureExtractor", "feature_size": 1,
                       "padding_side": "right", "padding_value": 0.0, "return_attention_mask": v["mask"],
                       "sampling_rate": 16000}, f, indent=2)
        longest = max(v["lengths"])
        values = torch.zeros(len(v["lengths"]), longest)
        mask = torch.zeros(len(v["lengths"]), longest)
        for b, n in enumerate(v["lengths"]):
            values[b, :n] = torch.randn(n)
            mask[b, :n] = 1
        last, _, logits = run(config, model, head, values, mask if v["mask"] else None)
        reference = {"input_values": values, "attention_mask": mask if v["mask"] else torch.ones_like(mask),
                     "last_hidden_state": last}
        if logits is not None:
            reference["logits"] = logits
        write_safetensors(os.path.join(folder, "reference.safetensors"), reference)
        print(name, "hidden", tuple(last.shape), "logits", None if logits is None else tuple(logits.shape))


def verify(model_dir, inputs_file, out_file):
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(model_dir, "preprocessor_config.json")) as f:
        use_mask = json.load(f)["return_attention_mask"]
    tensors = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    classifier = any(a.endswith("ForSequenceClassification") for a in config.get("architectures", []))
    prefix = config["model_type"] + "." if classifier else ""
    model = torchaudio_model(config)
    state, head = {}, {}
    for name, t in tensors.items():
        if name.startswith(prefix):
            if not name.endswith("masked_spec_embed"):
                state[to_torchaudio(name[len(prefix):])] = t
        else:
            head[name] = t
    model.load_state_dict(state, strict=True)
    inputs = read_safetensors(inputs_file)
    last, _, logits = run(config, model, head if classifier else None, inputs["input_values"],
                          inputs["attention_mask"] if use_mask else None)
    out = {"last_hidden_state": last}
    if logits is not None:
        out["logits"] = logits
    write_safetensors(out_file, out)
    print("verified", model_dir, "tensors", len(tensors))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "generate":
        generate(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
