#!/usr/bin/python3
"""Training throughput of a hand-written PyTorch BERT with all-MiniLM-L6-v2's dimensions, batch 32 x 128 tokens,
Adam at 5e-5: the reference for gpu-runners' BertTrainingBenchmark (DJL). See docs/benchmarks.md.

    /usr/bin/python3 docs/bert_train_bench.py [--threads 1] [--steps 8] [--weights path/to/model.safetensors]

The modules' attribute paths are transformers' parameter names, so --weights loads the safetensors that hub-storage's
OnnxBertImport writes (the real MiniLM) strictly; without it the weights are random (same work per step).
"""
import argparse
import json
import math
import resource
import struct
import time

import torch
from torch import nn

VOCAB, HIDDEN, LAYERS, HEADS, INTERMEDIATE, POSITIONS, TYPES, EPS = 30522, 384, 6, 12, 1536, 512, 2, 1e-12
BATCH, TOKENS, WARMUP = 32, 128, 2


class Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, HIDDEN, padding_idx=0)
        self.position_embeddings = nn.Embedding(POSITIONS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(TYPES, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=EPS)
        self.dropout = nn.Dropout(0.1)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.word_embeddings(ids) + self.position_embeddings(positions) + self.token_type_embeddings(torch.zeros_like(ids))
        return self.dropout(self.LayerNorm(x))


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query, self.key, self.value = (nn.Linear(HIDDEN, HIDDEN) for _ in range(3))
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, mask_bias):
        b, t, _ = x.shape
        split = lambda y: y.view(b, t, HEADS, HIDDEN // HEADS).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + mask_bias
        context = self.dropout(scores.softmax(-1)) @ v
        return context.transpose(1, 2).reshape(b, t, HIDDEN)


class DenseNorm(nn.Module):
    """transformers' BertSelfOutput / BertOutput: dense, dropout, residual, LayerNorm."""

    def __init__(self, inputs):
        super().__init__()
        self.dense = nn.Linear(inputs, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=EPS)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.self = SelfAttention()
        self.output = DenseNorm(HIDDEN)


class Intermediate(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(HIDDEN, INTERMEDIATE)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()
        self.intermediate = Intermediate()
        self.output = DenseNorm(INTERMEDIATE)

    def forward(self, x, mask_bias):
        a = self.attention.output(self.attention.self(x, mask_bias), x)
        return self.output(nn.functional.gelu(self.intermediate.dense(a)), a)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.ModuleList(Layer() for _ in range(LAYERS))


class BertModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = Embeddings()
        self.encoder = Encoder()

    def forward(self, ids, mask):
        mask_bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        x = self.embeddings(ids)
        for layer in self.encoder.layer:
            x = layer(x, mask_bias)
        return x


class BertForSequenceClassification(nn.Module):
    """MiniLM has no pooler: the head reads [CLS] as the DJL classifier does for a checkpoint without one."""

    def __init__(self, labels=2):
        super().__init__()
        self.bert = BertModel()
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(HIDDEN, labels)

    def forward(self, ids, mask):
        return self.classifier(self.dropout(self.bert(ids, mask)[:, 0]))


def load_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name
        start, end = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32).reshape(info["shape"])
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--weights")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    model = BertForSequenceClassification()
    if args.weights:
        missing, unexpected = model.bert.load_state_dict(load_safetensors(args.weights), strict=False)
        assert not unexpected and not missing, (missing, unexpected)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-5)
    generator = torch.Generator().manual_seed(7)
    n = BATCH * (WARMUP + args.steps)
    ids = torch.randint(1996, 1996 + 28000, (n, TOKENS), generator=generator)
    ids[:, 0], ids[:, -1] = 101, 102
    mask = torch.ones_like(ids)
    labels = torch.arange(n) % 2

    def step(i):
        s = slice(i * BATCH, (i + 1) * BATCH)
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(ids[s], mask[s]), labels[s])
        loss.backward()
        optimizer.step()

    for i in range(WARMUP):
        step(i)
    start = time.perf_counter()
    for i in range(WARMUP, WARMUP + args.steps):
        step(i)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"PyTorch {torch.__version__} BERT (MiniLM dims) train: batch {BATCH} x {TOKENS} tokens, {args.steps} steps in "
          f"{seconds:.2f} s = {args.steps * BATCH / seconds:.1f} samples/s; threads {args.threads}; peak RSS {peak_mb:.0f} MB; "
          f"parameters {sum(p.numel() for p in model.parameters()):,}")


if __name__ == "__main__":
    main()
