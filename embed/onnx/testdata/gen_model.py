#!/usr/bin/python3
"""Write a BERT encoder ONNX graph shaped like all-MiniLM-L6-v2, with random
weights, for testing the ONNX embedder's wiring and speed (not its quality).

Needs only Debian's python3-onnx (which brings numpy); run it with
/usr/bin/python3. Defaults match MiniLM: 6 layers, hidden 384, 12 heads,
FFN 1536, vocabulary 30522, 512 positions, opset 13. Inputs input_ids,
attention_mask, token_type_ids (int64 [batch, seq]); output
last_hidden_state (float [batch, seq, hidden]). With --sentence-embedding the
graph also outputs sentence_embedding: the masked mean of last_hidden_state,
L2-normalised, computed by ONNX ops (an independent check of Go's pooling).

  /usr/bin/python3 gen_model.py --out DIR/model.onnx [--layers 6 --hidden 384 ...]
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(args):
    rng = np.random.default_rng(args.seed)
    H, NH, F, V, P = args.hidden, args.heads, args.ffn, args.vocab, args.positions
    if H % NH:
        raise SystemExit("hidden must be a multiple of heads")
    HD = H // NH
    nodes, inits = [], []
    count = [0]

    def name(prefix):
        count[0] += 1
        return f"{prefix}_{count[0]}"

    def const(prefix, arr):
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.asarray(arr), n))
        return n

    def weight(prefix, *shape):
        return const(prefix, (rng.standard_normal(shape) * args.scale).astype(np.float32))

    def op(kind, inputs, **attrs):
        out = name(kind.lower())
        nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def layer_norm(x):
        mean = op("ReduceMean", [x], axes=[-1], keepdims=1)
        d = op("Sub", [x, mean])
        var = op("ReduceMean", [op("Mul", [d, d])], axes=[-1], keepdims=1)
        std = op("Sqrt", [op("Add", [var, const("eps", np.float32(1e-12))])])
        y = op("Div", [d, std])
        return op("Add", [op("Mul", [y, const("ln_g", np.ones(H, np.float32))]), const("ln_b", np.zeros(H, np.float32))])

    def dense(x, n_in, n_out):
        return op("Add", [op("MatMul", [x, weight("w", n_in, n_out)]), weight("b", n_out)])

    # Embeddings: word + position + token type, then LayerNorm.
    seq_len = op("Gather", [op("Shape", ["input_ids"]), const("one", np.int64(1))], axis=0)
    positions = op("Range", [const("zero", np.int64(0)), seq_len, const("step", np.int64(1))])
    x = op("Add", [op("Gather", [weight("word_emb", V, H), "input_ids"]),
                   op("Gather", [weight("pos_emb", P, H), positions])])
    x = layer_norm(op("Add", [x, op("Gather", [weight("type_emb", 2, H), "token_type_ids"])]))

    # Additive attention mask [batch, 1, 1, seq]: 0 for tokens, -10000 for padding.
    maskf = op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    neg = op("Mul", [op("Sub", [const("onef", np.float32(1)), maskf]), const("big", np.float32(-10000))])
    ext = op("Unsqueeze", [neg, const("axes", np.array([1, 2], np.int64))])
    heads_shape = const("shape", np.array([0, 0, NH, HD], np.int64))
    flat_shape = const("shape", np.array([0, 0, H], np.int64))

    for _ in range(args.layers):
        q = op("Transpose", [op("Reshape", [dense(x, H, H), heads_shape])], perm=[0, 2, 1, 3])
        k = op("Transpose", [op("Reshape", [dense(x, H, H), heads_shape])], perm=[0, 2, 3, 1])
        v = op("Transpose", [op("Reshape", [dense(x, H, H), heads_shape])], perm=[0, 2, 1, 3])
        scores = op("Add", [op("Mul", [op("MatMul", [q, k]), const("scale", np.float32(1 / np.sqrt(HD)))]), ext])
        ctx = op("MatMul", [op("Softmax", [scores], axis=-1), v])
        ctx = op("Reshape", [op("Transpose", [ctx], perm=[0, 2, 1, 3]), flat_shape])
        x = layer_norm(op("Add", [x, dense(ctx, H, H)]))
        h = dense(x, H, F)
        gelu = op("Mul", [op("Mul", [h, const("half", np.float32(0.5))]),
                          op("Add", [op("Erf", [op("Div", [h, const("sqrt2", np.float32(np.sqrt(2)))])]),
                                     const("onef", np.float32(1))])])
        x = layer_norm(op("Add", [x, dense(gelu, F, H)]))

    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", H])]
    if args.sentence_embedding:
        m = op("Unsqueeze", [maskf, const("axes", np.array([2], np.int64))])
        summed = op("ReduceSum", [op("Mul", ["last_hidden_state", m]), const("axes", np.array([1], np.int64))], keepdims=0)
        counts = op("Max", [op("ReduceSum", [m, const("axes", np.array([1], np.int64))], keepdims=0),
                            const("tiny", np.float32(1e-9))])
        mean = op("Div", [summed, counts])
        norm = op("Max", [op("Sqrt", [op("ReduceSum", [op("Mul", [mean, mean]), const("axes", np.array([1], np.int64))],
                                                 keepdims=1)]), const("tiny", np.float32(1e-12))])
        nodes.append(helper.make_node("Div", [mean, norm], ["sentence_embedding"]))
        outputs.append(helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", H]))

    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
              for n in ("input_ids", "attention_mask", "token_type_ids")]
    graph = helper.make_graph(nodes, "minilm_shaped_random_bert", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="mcp-memory-go gen_model.py")
    onnx.checker.check_model(model)
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="path of the .onnx file to write")
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--hidden", type=int, default=384)
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--ffn", type=int, default=1536)
    p.add_argument("--vocab", type=int, default=30522)
    p.add_argument("--positions", type=int, default=512)
    p.add_argument("--scale", type=float, default=0.02, help="standard deviation of the random weights")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sentence-embedding", action="store_true", help="also output pooled, normalised sentence_embedding")
    args = p.parse_args()
    onnx.save(build(args), args.out)


if __name__ == "__main__":
    main()
