#!/usr/bin/python3
"""Builds the ONNX models of OrtOracleTest: one com.microsoft.GroupQueryAttention node each, run by ONNX Runtime's
CPU operator as a second implementation of squall's attention options. Run once (python3 with the onnx package);
the models are kept beside this script, so the tests need no Python.

Each model: query [B, T, Hq*D], key/value [B, T, Hkv*D], past_key/past_value [B, Hkv, P, D] (empty, P = 0, for a
prefill), seqlens_k [B] int32 (S - 1), total_sequence_length [1] int32 (S), and optionally attention_bias
[1, Hq, T, S] (ALiBi, as an additive bias) and head_sink [Hq]; output [B, T, Hq*D].
GroupQueryAttention is always causal. Its local_window_size = L keeps, in ONNX Runtime 1.29's CPU operator, the keys
j > p - L: the last L positions including p, so squall's window W is local_window_size = W (measured: with L = W - 1,
the reading of the keys j >= p - L, eight of the window cases miss NumPy's result by 1e-3 to 100 %).

Usage: /usr/bin/python3 make_models.py   (writes *.onnx into this folder)
"""
import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (Hq, Hkv, D, window or 0, softcap or 0, alibi bias, sinks)
MODELS = {
    "gqa_h8_kv4_d64_alibi": (8, 4, 64, 0, 0.0, True, False),
    "gqa_h8_kv8_d64_alibi": (8, 8, 64, 0, 0.0, True, False),
    "gqa_h8_kv2_d64_sinks": (8, 2, 64, 0, 0.0, False, True),
    "gqa_h8_kv2_d64_w32_sinks": (8, 2, 64, 32, 0.0, False, True),
    "gqa_h8_kv2_d64_cap20": (8, 2, 64, 0, 20.0, False, False),
    "gqa_h4_kv2_d128_cap30": (4, 2, 128, 0, 30.0, False, False),
    "gqa_h8_kv4_d128_w48_cap25": (8, 4, 128, 48, 25.0, False, False),
    "gqa_h4_kv2_d128_w100": (4, 2, 128, 100, 0.0, False, False),
    "gqa_h8_kv2_d64_w128": (8, 2, 64, 128, 0.0, False, False),
    "gqa_h4_kv1_d64_w1": (4, 1, 64, 1, 0.0, False, False),
    "gqa_h8_kv2_d64_w64": (8, 2, 64, 64, 0.0, False, False),
    "gqa_h8_kv2_d64_w1000": (8, 2, 64, 1000, 0.0, False, False),
    # not among the test vectors: every option but ALiBi at once, on random inputs
    "gqa_h8_kv2_d32_w9_cap5_sinks": (8, 2, 32, 9, 5.0, False, True),
}


def build(name, hq, hkv, d, window, softcap, alibi, sinks):
    f = TensorProto.FLOAT
    i32 = TensorProto.INT32
    inputs = [helper.make_tensor_value_info("query", f, ["B", "T", hq * d]),
              helper.make_tensor_value_info("key", f, ["B", "T", hkv * d]),
              helper.make_tensor_value_info("value", f, ["B", "T", hkv * d]),
              helper.make_tensor_value_info("past_key", f, ["B", hkv, "P", d]),
              helper.make_tensor_value_info("past_value", f, ["B", hkv, "P", d]),
              helper.make_tensor_value_info("seqlens_k", i32, ["B"]),
              helper.make_tensor_value_info("total_sequence_length", i32, [1])]
    node_in = ["query", "key", "value", "past_key", "past_value", "seqlens_k", "total_sequence_length",
               "", "", "", "", ""]
    if alibi:
        inputs.append(helper.make_tensor_value_info("attention_bias", f, [1, hq, "T", "S"]))
        node_in[10] = "attention_bias"
    if sinks:
        inputs.append(helper.make_tensor_value_info("head_sink", f, [hq]))
        node_in[11] = "head_sink"
    while node_in[-1] == "":
        node_in.pop()
    attributes = dict(num_heads=hq, kv_num_heads=hkv, scale=1.0 / d ** 0.5)
    if window:
        attributes["local_window_size"] = window
    if softcap:
        attributes["softcap"] = softcap
    node = helper.make_node("GroupQueryAttention", node_in, ["output", "present_key", "present_value"],
                            domain="com.microsoft", name="gqa", **attributes)
    outputs = [helper.make_tensor_value_info("output", f, ["B", "T", hq * d]),
               helper.make_tensor_value_info("present_key", f, ["B", hkv, "S", d]),
               helper.make_tensor_value_info("present_value", f, ["B", hkv, "S", d])]
    graph = helper.make_graph([node], name, inputs, outputs)
    model = helper.make_model(graph, producer_name="squall-tests",
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    onnx.save(model, os.path.join(HERE, name + ".onnx"))


if __name__ == "__main__":
    for model_name, spec in MODELS.items():
        build(model_name, *spec)
        print(model_name)
