#!/usr/bin/env python3
"""Masked-LM heads of the BERT family in plain PyTorch, the reference for io.modelhub.runners.recipes.text.bert.

    /usr/bin/python3 mlm_reference.py OUT_DIR VOCAB_SIZE

For bert, roberta and distilbert writes OUT_DIR/<family>/config.json (a *ForMaskedLM), model.safetensors (seeded
random weights under transformers' names, as BertForMaskedLM / RobertaForMaskedLM / DistilBertForMaskedLM save
them) and OUT_DIR/<family>/reference.safetensors: input_ids and attention_mask (2, 7; the second row padded) as
float32, and the token logits (2, 7, vocab) computed here the way transformers' modeling code does, written out
with torch.nn.functional only (no transformers here). The tokenizer is the Java side's (ids: 0 pad, 2 [CLS],
3 [SEP], 4 [MASK]). Deterministic for a given torch version.

What each head computes (transformers' modeling_bert / modeling_roberta / modeling_distilbert):
    bert        cls.predictions.transform.dense -> hidden_act -> cls.predictions.transform.LayerNorm
                -> decoder (tied to bert.embeddings.word_embeddings) + cls.predictions.bias
    roberta     lm_head.dense -> exact gelu (whatever hidden_act) -> lm_head.layer_norm -> decoder (tied) + lm_head.bias
    distilbert  vocab_transform -> activation -> vocab_layer_norm (eps 1e-12) -> vocab_projector (tied) + its bias
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

HIDDEN, LAYERS, HEADS, INTERMEDIATE = 16, 2, 4, 32
FAMILIES = {
    # hidden_act gelu_new: BERT's head follows it, RoBERTa's head does not (exact gelu)
    "bert": dict(prefix="bert.", act="gelu_new", eps=1e-12, max_pos=32, types=2),
    "roberta": dict(prefix="roberta.", act="gelu_new", eps=1e-5, max_pos=34, types=1),
    "distilbert": dict(prefix="distilbert.", act="relu", eps=1e-12, max_pos=32, types=0),
}
PAD, CLS, SEP, MASK = 0, 2, 3, 4


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


def activation(name, x):
    if name == "gelu":
        return F.gelu(x)
    if name == "gelu_new":
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == "relu":
        return F.relu(x)
    raise ValueError(name)


def names(family, i):
    p = FAMILIES[family]["prefix"]
    if family == "distilbert":
        l = p + "transformer.layer.%d." % i
        return dict(q=l + "attention.q_lin", k=l + "attention.k_lin", v=l + "attention.v_lin",
                    o=l + "attention.out_lin", ln1=l + "sa_layer_norm", up=l + "ffn.lin1", down=l + "ffn.lin2",
                    ln2=l + "output_layer_norm")
    l = p + "encoder.layer.%d." % i
    return dict(q=l + "attention.self.query", k=l + "attention.self.key", v=l + "attention.self.value",
                o=l + "attention.output.dense", ln1=l + "attention.output.LayerNorm", up=l + "intermediate.dense",
                down=l + "output.dense", ln2=l + "output.LayerNorm")


def head_names(family):
    return {"bert": ("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", "cls.predictions.bias"),
            "roberta": ("lm_head.dense", "lm_head.layer_norm", "lm_head.bias"),
            "distilbert": ("vocab_transform", "vocab_layer_norm", "vocab_projector.bias")}[family]


def weights(family, vocab, gen):
    f = FAMILIES[family]
    p = f["prefix"]
    w = {}

    def rand(*shape):
        return (torch.rand(*shape, generator=gen) - 0.5) * 0.4

    def linear(name, n_in, n_out):
        w[name + ".weight"] = rand(n_out, n_in)
        w[name + ".bias"] = rand(n_out)

    def norm(name):
        w[name + ".weight"] = 1 + (torch.rand(HIDDEN, generator=gen) - 0.5) * 0.2
        w[name + ".bias"] = rand(HIDDEN)

    w[p + "embeddings.word_embeddings.weight"] = rand(vocab, HIDDEN)
    w[p + "embeddings.position_embeddings.weight"] = rand(f["max_pos"], HIDDEN)
    if f["types"]:
        w[p + "embeddings.token_type_embeddings.weight"] = rand(f["types"], HIDDEN)
    norm(p + "embeddings.LayerNorm")
    for i in range(LAYERS):
        n = names(family, i)
        for part in ("q", "k", "v", "o"):
            linear(n[part], HIDDEN, HIDDEN)
        norm(n["ln1"])
        linear(n["up"], HIDDEN, INTERMEDIATE)
        linear(n["down"], INTERMEDIATE, HIDDEN)
        norm(n["ln2"])
    dense, ln, bias = head_names(family)
    linear(dense, HIDDEN, HIDDEN)
    norm(ln)
    w[bias] = rand(vocab)
    return w


def logits(family, w, ids, mask):
    f = FAMILIES[family]
    p = f["prefix"]
    eps = f["eps"]
    batch, seq = ids.shape
    if family == "roberta":
        not_pad = (ids != PAD).long()
        positions = torch.cumsum(not_pad, 1) * not_pad + PAD
    else:
        positions = torch.arange(seq).expand(batch, seq)
    x = w[p + "embeddings.word_embeddings.weight"][ids] + w[p + "embeddings.position_embeddings.weight"][positions]
    if f["types"]:
        x = x + w[p + "embeddings.token_type_embeddings.weight"][torch.zeros_like(ids)]

    def ln(name, t):
        return F.layer_norm(t, (HIDDEN,), w[name + ".weight"], w[name + ".bias"], eps)

    def lin(name, t):
        return F.linear(t, w[name + ".weight"], w[name + ".bias"])

    x = ln(p + "embeddings.LayerNorm", x)
    head = HIDDEN // HEADS
    key_bias = (1.0 - mask.float())[:, None, None, :] * torch.finfo(torch.float32).min
    for i in range(LAYERS):
        n = names(family, i)

        def split(t):
            return t.view(batch, seq, HEADS, head).transpose(1, 2)

        q, k, v = split(lin(n["q"], x)), split(lin(n["k"], x)), split(lin(n["v"], x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(head) + key_bias
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, seq, HIDDEN)
        x = ln(n["ln1"], lin(n["o"], context) + x)
        x = ln(n["ln2"], lin(n["down"], activation(f["act"], lin(n["up"], x))) + x)
    dense, norm, bias = head_names(family)
    h = lin(dense, x)
    h = F.gelu(h) if family == "roberta" else activation(f["act"], h)
    h = F.layer_norm(h, (HIDDEN,), w[norm + ".weight"], w[norm + ".bias"], 1e-12 if family == "distilbert" else eps)
    return F.linear(h, w[p + "embeddings.word_embeddings.weight"], w[bias])


def config(family, vocab):
    f = FAMILIES[family]
    arch = {"bert": "BertForMaskedLM", "roberta": "RobertaForMaskedLM", "distilbert": "DistilBertForMaskedLM"}[family]
    c = {"model_type": family, "architectures": [arch], "vocab_size": vocab, "pad_token_id": PAD,
         "max_position_embeddings": f["max_pos"]}
    if family == "distilbert":
        c.update(dim=HIDDEN, n_layers=LAYERS, n_heads=HEADS, hidden_dim=INTERMEDIATE, activation=f["act"])
    else:
        c.update(hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                 intermediate_size=INTERMEDIATE, hidden_act=f["act"], type_vocab_size=f["types"],
                 layer_norm_eps=f["eps"])
    return c


def main():
    out, vocab = sys.argv[1], int(sys.argv[2])
    for seed, family in enumerate(FAMILIES):
        gen = torch.Generator().manual_seed(1000 + seed)
        w = weights(family, vocab, gen)
        ids = torch.randint(5, vocab, (2, 7), generator=gen)
        ids[:, 0], ids[0, 6], ids[1, 4] = CLS, SEP, SEP
        ids[1, 5:] = PAD
        ids[0, 2], ids[0, 4], ids[1, 1] = MASK, MASK, MASK
        mask = (ids != PAD).long()
        with torch.no_grad():
            out_logits = logits(family, w, ids, mask)
        folder = os.path.join(out, family)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config(family, vocab), f, indent=2)
        saved = dict(w)
        if family == "bert":
            # older BERT checkpoints carry the tied decoder; it must equal the word embeddings
            saved["cls.predictions.decoder.weight"] = w["bert.embeddings.word_embeddings.weight"]
        write_safetensors(os.path.join(folder, "model.safetensors"), saved)
        write_safetensors(os.path.join(folder, "reference.safetensors"),
                          {"input_ids": ids.float(), "attention_mask": mask.float(), "logits": out_logits})


if __name__ == "__main__":
    main()
