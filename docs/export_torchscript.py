#!/usr/bin/env python3
"""Exports a Hugging Face transformers encoder as a ModelHub bring-your-own TorchScript text encoder.

    pip install torch transformers
    python export_torchscript.py sentence-transformers/all-MiniLM-L6-v2 out/

Writes out/model.pt, out/config.json and the tokenizer files; upload the folder as a model repo and fine-tune it
with the text-classification recipe. See docs/torchscript.md for the contract.
"""
import json
import os
import sys

import torch
from transformers import AutoModel, AutoTokenizer


class PooledEncoder(torch.nn.Module):
    """input_ids, attention_mask (batch, seq) int64 -> (batch, hidden): the mean of the last hidden states over
    the real tokens. Return last_hidden_state (batch, seq, hidden) instead to let ModelHub do that pooling."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        states = self.model(input_ids=input_ids, attention_mask=attention_mask)[0]
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def main(name, out_dir, max_length=128):
    tokenizer = AutoTokenizer.from_pretrained(name)
    # torchscript=True makes the model return tuples and unties shared weights, as torch.jit.trace needs
    model = AutoModel.from_pretrained(name, torchscript=True).eval()
    encoder = PooledEncoder(model).eval()
    example = tokenizer(["a short example", "and a somewhat longer second example sentence"],
                        padding=True, return_tensors="pt")
    with torch.no_grad():
        traced = torch.jit.trace(encoder, (example["input_ids"], example["attention_mask"]))
        # the trace must not have baked in the example's length: check another shape gives the same as eager
        other = tokenizer(["one more, of yet another length than both of the examples above"], return_tensors="pt")
        expected = encoder(other["input_ids"], other["attention_mask"])
        actual = traced(other["input_ids"], other["attention_mask"])
        assert torch.allclose(expected, actual, atol=1e-4), "the traced module depends on the example's shape"
    os.makedirs(out_dir, exist_ok=True)
    traced.save(os.path.join(out_dir, "model.pt"))
    tokenizer.save_pretrained(out_dir)  # tokenizer.json (fast tokenizers), tokenizer_config.json, ...
    config = {
        "model_type": "torchscript",
        "modality": "text",
        "hidden_size": int(model.config.hidden_size),
        "max_length": max_length,
        "pad_token_id": tokenizer.pad_token_id,
        "base_model": name,
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    print("wrote", out_dir, config)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: export_torchscript.py <transformers model name or folder> <output folder>")
    main(sys.argv[1], sys.argv[2])
