#!/usr/bin/env python3
"""Builds the bring-your-own TorchScript text encoder the gpu-runners tests fine-tune.

    /usr/bin/python3 gpu-runners/src/test/scripts/make_torchscript_fixture.py          # writes the fixture
    /usr/bin/python3 gpu-runners/src/test/scripts/make_torchscript_fixture.py --verify DIR   # checks a model.pt

Writes gpu-runners/src/test/resources/torchscript-text-encoder/: model.pt (torch.jit.trace of a tiny encoder:
embedding -> linear -> tanh -> mean over attention_mask, returning (batch, hidden)), config.json
({"model_type": "torchscript", "modality": "text", "hidden_size": 32, ...}) and a word-level tokenizer.json whose
vocabulary is every word TextDatasetBuilder writes (a test checks that the two stay in step).
Needs only PyTorch (Debian: apt-get install python3-torch); deterministic for a given torch version.
"""
import json
import os
import sys

import torch
from torch import nn

HIDDEN = 32
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# the words of io.modelhub.runners.testing.TextDatasetBuilder.vocabulary(), in its order
WORDS = ["the", "a", "and", ".", ",",
         "near", "with", "against", "behind", "after",
         "today", "again", "slowly", "loudly", "early",
         "striker", "keeper", "coach", "referee", "team", "league", "stadium", "goal", "match", "ball",
         "scores", "tackles", "passes", "defends", "wins", "trains",
         "quick", "tired", "agile", "famous", "young", "strong",
         "chef", "soup", "bread", "kitchen", "oven", "salad", "cheese", "recipe", "garlic", "waiter",
         "bakes", "tastes", "cooks", "serves", "slices", "seasons",
         "spicy", "fresh", "sweet", "crispy", "salty", "warm",
         "storm", "cloud", "rain", "wind", "forecast", "sky", "thunder", "fog", "snow", "sunshine",
         "blows", "falls", "clears", "pours", "drifts", "freezes",
         "cold", "humid", "grey", "windy", "stormy", "foggy",
         "server", "laptop", "network", "program", "database", "robot", "chip", "router", "screen", "code",
         "crashes", "computes", "connects", "updates", "compiles", "reboots",
         "fast", "digital", "wireless", "secure", "binary", "virtual",
         "singer", "guitar", "drummer", "song", "choir", "piano", "melody", "concert", "violin", "band",
         "plays", "sings", "tunes", "performs", "records", "rehearses",
         "loud", "gentle", "rhythmic", "acoustic", "harmonic", "catchy"]


class TinyTextEncoder(nn.Module):
    """input_ids, attention_mask (batch, seq) int64 -> (batch, hidden): the contract of docs/torchscript.md."""

    def __init__(self, vocab_size, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, hidden, padding_idx=0)
        self.proj = nn.Linear(hidden, hidden)

    def forward(self, input_ids, attention_mask):
        states = torch.tanh(self.proj(self.embed(input_ids)))
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def tokenizer_json(vocab):
    def special(token):
        return {"SpecialToken": {"id": token, "type_id": 0}}

    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, t in enumerate(SPECIAL)],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, special("[SEP]")],
            "pair": [special("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, special("[SEP]"),
                     {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [SPECIAL.index(t)], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": {t: i for i, t in enumerate(vocab)}, "unk_token": "[UNK]"},
    }


def write_fixture(out_dir):
    torch.manual_seed(7)
    vocab = SPECIAL + WORDS
    encoder = TinyTextEncoder(len(vocab), HIDDEN).eval()
    example = (torch.tensor([[2, 5, 20, 30, 3, 0, 0], [2, 6, 7, 8, 9, 10, 3]], dtype=torch.int64),
               torch.tensor([[1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1]], dtype=torch.int64))
    with torch.no_grad():
        traced = torch.jit.trace(encoder, example)
    os.makedirs(out_dir, exist_ok=True)
    traced.save(os.path.join(out_dir, "model.pt"))
    config = {"model_type": "torchscript", "modality": "text", "hidden_size": HIDDEN, "max_length": 64,
              "pad_token_id": 0, "inputs": ["input_ids", "attention_mask"], "output": "pooled"}
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab), f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "pad_token": "[PAD]", "unk_token": "[UNK]",
                   "cls_token": "[CLS]", "sep_token": "[SEP]", "mask_token": "[MASK]", "model_max_length": 64,
                   "do_lower_case": True}, f, indent=2)
        f.write("\n")
    verify(out_dir)


def verify(model_dir):
    """torch.jit.load reads model.pt and embeds a batch of two texts of different lengths."""
    module = torch.jit.load(os.path.join(model_dir, "model.pt"), map_location="cpu")
    ids = torch.tensor([[2, 20, 30, 3, 0], [2, 21, 22, 23, 3]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    with torch.no_grad():
        out = module(ids, mask)
    out = out[0] if isinstance(out, tuple) else out
    hidden = json.load(open(os.path.join(model_dir, "config.json")))["hidden_size"]
    assert out.shape[0] == 2 and out.shape[-1] == hidden, out.shape
    assert torch.isfinite(out).all()
    params = {name: tuple(p.shape) for name, p in module.named_parameters()}
    print("torch", torch.__version__, "loaded", model_dir, "output", tuple(out.shape), "parameters", params)


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    if len(sys.argv) == 3 and sys.argv[1] == "--verify":
        verify(sys.argv[2])
    else:
        write_fixture(os.path.join(here, "..", "resources", "torchscript-text-encoder"))
