"""BERT-family sentence encoders on ONNX Runtime without PyTorch: the ONNX graph is
written directly from the model's safetensors weights (fused QKV projection, mean
pooling inside the graph), optionally int8-quantised per channel, cached on disk, and
fed by a Rust tokenizer with length-sorted, token-budgeted batches."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from ferrox.errors import DependencyError, InvalidInputError
from ferrox.infer.embedders import Embedder

__all__ = ["OnnxEmbedder", "export_bert_onnx"]

OPSET = 17


def _require() -> None:
    missing = []
    for mod in ("onnx", "onnxruntime", "tokenizers", "safetensors"):
        try:
            __import__(mod)
        except ImportError:
            missing.append(mod)
    if missing:
        raise DependencyError(
            f"the ONNX backend needs {', '.join(missing)}: pip install 'ferrox[infer]'"
        )


def export_bert_onnx(model_dir: Path, out: Path) -> Path:
    """Write ``model_dir`` (a BERT sentence-transformers folder with model.safetensors
    and config.json, mean pooling) as an fp32 ONNX graph at ``out``."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    cfg = json.loads((model_dir / "config.json").read_text())
    if cfg.get("model_type") != "bert":
        raise InvalidInputError(f"{model_dir}: only BERT models export to ONNX here")
    w = load_file(str(model_dir / "model.safetensors"))
    w = {k.removeprefix("bert."): v for k, v in w.items()}
    hidden, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    head_dim = hidden // heads
    eps = float(cfg.get("layer_norm_eps", 1e-12))
    inits: list = []
    nodes: list = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], out_name: str, **attrs: object) -> str:
        nodes.append(helper.make_node(op, inputs, [out_name], **attrs))
        return out_name

    def linear(x: str, prefix: str, out_name: str) -> str:
        wt = const(f"{prefix}.wT", w[f"{prefix}.weight"].T.astype(np.float32))
        b = const(f"{prefix}.b", w[f"{prefix}.bias"].astype(np.float32))
        return node("Add", [node("MatMul", [x, wt], f"{out_name}.mm"), b], out_name)

    def split_heads(x: str, perm: list[int]) -> str:
        return node("Transpose", [node("Reshape", [x, to_heads], f"{x}4")], f"{x}t", perm=perm)

    def layer_norm(x: str, prefix: str, out_name: str) -> str:
        g = const(f"{prefix}.g", w[f"{prefix}.weight"])
        b = const(f"{prefix}.beta", w[f"{prefix}.bias"])
        return node("LayerNormalization", [x, g, b], out_name, axis=-1, epsilon=eps)

    one = const("one", np.array(1.0, np.float32))
    half = const("half", np.array(0.5, np.float32))
    sqrt2 = const("sqrt2", np.array(np.sqrt(2.0), np.float32))
    neg = const("neg_big", np.array(-10000.0, np.float32))
    scale = const("scale", np.array(1.0 / np.sqrt(head_dim), np.float32))
    ax1 = const("ax1", np.array([1], np.int64))
    ax12 = const("ax12", np.array([1, 2], np.int64))
    ax2 = const("ax2", np.array([2], np.int64))
    split = const("split_qkv", np.array([hidden] * 3, np.int64))
    to_heads = const("to_heads", np.array([0, 0, heads, head_dim], np.int64))
    to_hidden = const("to_hidden", np.array([0, 0, hidden], np.int64))

    # embeddings: word + position + token type 0, then LayerNorm
    words = node(
        "Gather", [const("word_emb", w["embeddings.word_embeddings.weight"]), "input_ids"], "words"
    )
    seq = node("Shape", ["input_ids"], "seq_len", start=1, end=2)
    pos = node(
        "Slice",
        [
            const("pos_emb", w["embeddings.position_embeddings.weight"]),
            const("zero1", np.array([0], np.int64)),
            seq,
            const("axis0", np.array([0], np.int64)),
        ],
        "pos",
    )
    tok = const("tok_emb0", w["embeddings.token_type_embeddings.weight"][0])
    x = node("Add", [node("Add", [words, pos], "wp"), tok], "emb_sum")
    x = layer_norm(x, "embeddings.LayerNorm", "h0")

    mask_f = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    bias = node(
        "Mul",
        [node("Sub", [one, node("Unsqueeze", [mask_f, ax12], "mask4")], "inv"), neg],
        "mask_bias",
    )

    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}"
        att = f"{p}.attention.self"
        wqkv = np.concatenate([w[f"{att}.{n}.weight"].T for n in ("query", "key", "value")], 1)
        bqkv = np.concatenate([w[f"{att}.{n}.bias"] for n in ("query", "key", "value")])
        qkv = node(
            "Add",
            [
                node("MatMul", [x, const(f"{p}.wqkv", wqkv)], f"{p}.qkv_mm"),
                const(f"{p}.bqkv", bqkv),
            ],
            f"{p}.qkv",
        )
        nodes.append(
            helper.make_node("Split", [qkv, split], [f"{p}.q", f"{p}.k", f"{p}.v"], axis=-1)
        )
        q = split_heads(f"{p}.q", [0, 2, 1, 3])  # [batch, head, seq, dim]
        k = split_heads(f"{p}.k", [0, 2, 3, 1])  # transposed for q @ k
        v = split_heads(f"{p}.v", [0, 2, 1, 3])
        scores = node(
            "Add",
            [node("Mul", [node("MatMul", [q, k], f"{p}.qk"), scale], f"{p}.qks"), bias],
            f"{p}.scores",
        )
        probs = node("Softmax", [scores], f"{p}.probs", axis=-1)
        ctx = node(
            "Transpose", [node("MatMul", [probs, v], f"{p}.ctx4")], f"{p}.ctxt", perm=[0, 2, 1, 3]
        )
        ctx = node("Reshape", [ctx, to_hidden], f"{p}.ctx")
        attn = linear(ctx, f"{p}.attention.output.dense", f"{p}.attn")
        x = layer_norm(
            node("Add", [attn, x], f"{p}.res1"), f"{p}.attention.output.LayerNorm", f"{p}.h1"
        )
        inter = linear(x, f"{p}.intermediate.dense", f"{p}.inter")
        gelu = node(
            "Mul",
            [
                node("Mul", [inter, half], f"{p}.gh"),
                node(
                    "Add",
                    [one, node("Erf", [node("Div", [inter, sqrt2], f"{p}.gd")], f"{p}.ge")],
                    f"{p}.g1",
                ),
            ],
            f"{p}.gelu",
        )
        ffn = linear(gelu, f"{p}.output.dense", f"{p}.ffn")
        x = layer_norm(node("Add", [ffn, x], f"{p}.res2"), f"{p}.output.LayerNorm", f"{p}.h2")

    mask3 = node("Unsqueeze", [mask_f, ax2], "mask3")
    summed = node("ReduceSum", [node("Mul", [x, mask3], "masked"), ax1], "summed", keepdims=0)
    count = node(
        "Clip",
        [
            node("ReduceSum", [mask3, ax1], "count0", keepdims=0),
            const("tiny", np.array(1e-9, np.float32)),
        ],
        "count",
    )
    node("Div", [summed, count], "sentence_embedding")

    graph = helper.make_graph(
        nodes,
        "sentence_encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden])],
        inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="ferrox"
    )
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    onnx.save(model, str(tmp))
    tmp.replace(out)
    return out


def _quantize(src: Path, out: Path) -> Path:
    import logging

    import onnxruntime as ort

    tmp = out.with_suffix(f".tmp{os.getpid()}")
    ort.set_default_logger_severity(3)  # shape-merge notes from the quantiser's own pass
    logging.disable(logging.WARNING)  # and its "consider pre-processing" advice
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(
            str(src),
            str(tmp),
            per_channel=True,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
        )
    finally:
        logging.disable(logging.NOTSET)
    tmp.replace(out)
    return out


class OnnxEmbedder(Embedder):
    """A sentence encoder on ONNX Runtime. ``quantize=True`` uses int8 weights (per
    output channel, dynamic activations). The graph is built once per model and
    variant and cached under ``cache_dir``."""

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        quantize: bool = False,
        cache_dir: str | Path | None = None,
        threads: int | None = None,
        max_length: int | None = None,
        batch_tokens: int = 8192,
    ) -> None:
        _require()
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from ferrox.infer.embedders import DEFAULT_MODEL, default_model_dir

        model_dir = Path(model) if model is not None else default_model_dir()
        if not (model_dir / "model.safetensors").exists():
            raise DependencyError(f"no model.safetensors under {model_dir}")
        self.name = DEFAULT_MODEL if model is None else model_dir.name
        self.backend = "onnx-int8" if quantize else "onnx"
        st_cfg = model_dir / "sentence_bert_config.json"
        seq = json.loads(st_cfg.read_text()).get("max_seq_length", 256) if st_cfg.exists() else 256
        self.max_length = int(max_length or seq)
        self.batch_tokens = batch_tokens
        digest = hashlib.sha256()
        with open(model_dir / "model.safetensors", "rb") as f:
            digest.update(f.read(1 << 20))
        digest.update(str((model_dir / "model.safetensors").stat().st_size).encode())
        tag = digest.hexdigest()[:12]
        if cache_dir is None and os.environ.get("FERROX_MODEL_CACHE"):
            cache_dir = os.environ["FERROX_MODEL_CACHE"]
        if cache_dir is None:
            from ferrox.config import default_data_dir

            cache_dir = Path(os.environ.get("FERROX_DATA_DIR") or default_data_dir()) / "models"
        cache = Path(cache_dir)
        fp32 = cache / f"{self.name}-{tag}.onnx"
        if not fp32.exists():
            export_bert_onnx(model_dir, fp32)
        path = fp32
        if quantize:
            path = cache / f"{self.name}-{tag}-int8.onnx"
            if not path.exists():
                _quantize(fp32, path)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads or (os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.dim = int(self._session.get_outputs()[0].shape[1])
        self._tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tok.enable_truncation(max_length=self.max_length)
        self._tok.no_padding()
        self.model_path = path

    def _embed(self, texts: list[str]) -> np.ndarray:
        encs = self._tok.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encs])
        order = np.argsort(-lengths, kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        start = 0
        while start < len(order):
            longest = int(lengths[order[start]])
            size = max(1, min(256, self.batch_tokens // max(longest, 1)))
            idx = order[start : start + size]
            ids = np.zeros((len(idx), longest), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(idx):
                e = encs[i].ids
                ids[row, : len(e)] = e
                mask[row, : len(e)] = 1
            out[idx] = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            start += size
        return out
