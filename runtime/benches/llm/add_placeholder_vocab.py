"""Adds a placeholder vocabulary (distinct tokens, byte-level BPE without merges) to a
GGUF file that has none, so that llama.cpp loads it. Tensor data is copied as is.

    python add_placeholder_vocab.py IN.gguf OUT.gguf [--vocab 32000]
Needs only the standard library.
"""

import argparse
import shutil
import struct

ALIGN = 32
STRING, ARRAY, I32 = 8, 9, 5


def string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def kv_string(key, value):
    return string(key) + struct.pack("<I", STRING) + string(value)


def kv_array(key, item_type, items):
    return string(key) + struct.pack("<IIQ", ARRAY, item_type, len(items)) + b"".join(items)


def skip_value(f, t):
    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
    if t in sizes:
        f.read(sizes[t])
    elif t == STRING:
        (n,) = struct.unpack("<Q", f.read(8))
        f.read(n)
    elif t == ARRAY:
        it, n = struct.unpack("<IQ", f.read(12))
        for _ in range(n):
            skip_value(f, it)
    else:
        raise ValueError(f"unknown GGUF value type {t}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--vocab", type=int, default=32000)
    a = ap.parse_args()
    with open(a.input, "rb") as f:
        magic, version, n_tensors, n_kv = struct.unpack("<IIQQ", f.read(24))
        if magic != 0x46554747:
            raise ValueError("not a GGUF file")
        kv_start = f.tell()
        for _ in range(n_kv):
            (n,) = struct.unpack("<Q", f.read(8))
            key = f.read(n).decode()
            if key.startswith("tokenizer.") or key == "general.alignment":
                raise ValueError(f"{a.input} already has {key}")
            (t,) = struct.unpack("<I", f.read(4))
            skip_value(f, t)
        kv_end = f.tell()
        for _ in range(n_tensors):
            (n,) = struct.unpack("<Q", f.read(8))
            f.read(n)
            (dims,) = struct.unpack("<I", f.read(4))
            f.read(8 * dims + 4 + 8)
        infos_end = f.tell()
        data_start = (infos_end + ALIGN - 1) // ALIGN * ALIGN
        f.seek(kv_start)
        kvs = f.read(kv_end - kv_start)
        infos = f.read(infos_end - kv_end)
        added = [
            kv_string("tokenizer.ggml.model", "gpt2"),
            kv_string("tokenizer.ggml.pre", "default"),
            kv_array("tokenizer.ggml.tokens", STRING, [string(f"<t{i}>") for i in range(a.vocab)]),
            kv_array("tokenizer.ggml.token_type", I32, [struct.pack("<i", 1)] * a.vocab),
            kv_array("tokenizer.ggml.merges", STRING, []),
        ]
        header = struct.pack("<IIQQ", magic, version, n_tensors, n_kv + len(added))
        head = header + kvs + b"".join(added) + infos
        head += b"\0" * ((len(head) + ALIGN - 1) // ALIGN * ALIGN - len(head))
        f.seek(data_start)
        with open(a.output, "wb") as out:
            out.write(head)
            shutil.copyfileobj(f, out, 1 << 24)


if __name__ == "__main__":
    main()
