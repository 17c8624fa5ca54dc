"""PyTorch side of prunestream's inference benchmark.

Runs an exported model.onnx op by op in PyTorch (eager mode, torch.inference_mode): the same
architecture and weights the DL4J and ONNX Runtime sides run, with no converter beyond this file.
Needs python3-torch and python3-onnx (to read the protobuf).

  check MODEL IN OUT C H W          reads float32 [n, C, H, W] from IN, writes the output to OUT
  time BATCH SECONDS THREADS MODEL...  prints samples_per_second=<float> for each model, in order
"""
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper


def _pads(x, pads, value=0.0):
    """ONNX pads (top, left, bottom, right) as torch padding, or an explicit pad if asymmetric."""
    t, l, b, r = pads
    if t == b and l == r:
        return x, (t, l)
    return F.pad(x, (l, r, t, b), value=value), (0, 0)


def conv(a, x, w, b=None):
    x, padding = _pads(x, a.get("pads", [0, 0, 0, 0]))
    return F.conv2d(x, w, b, tuple(a.get("strides", [1, 1])), padding,
                    tuple(a.get("dilations", [1, 1])), a.get("group", 1))


def max_pool(a, x):
    x, padding = _pads(x, a.get("pads", [0, 0, 0, 0]), float("-inf"))
    return F.max_pool2d(x, tuple(a["kernel_shape"]), tuple(a.get("strides", [1, 1])), padding,
                        tuple(a.get("dilations", [1, 1])))


def avg_pool(a, x):
    include = bool(a.get("count_include_pad", 0))
    pads = a.get("pads", [0, 0, 0, 0])
    if pads[0] != pads[2] or pads[1] != pads[3]:
        raise ValueError("asymmetric average pooling is not supported here")
    return F.avg_pool2d(x, tuple(a["kernel_shape"]), tuple(a.get("strides", [1, 1])),
                        (pads[0], pads[1]), count_include_pad=include)


def variadic(f):
    def run(a, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = f(out, x)
        return out
    return run


OPS = {
    "Conv": conv,
    "Relu": lambda a, x: F.relu(x),
    "LeakyRelu": lambda a, x: F.leaky_relu(x, a.get("alpha", 0.01)),
    "Elu": lambda a, x: F.elu(x, a.get("alpha", 1.0)),
    "Selu": lambda a, x: F.selu(x),
    "Sigmoid": lambda a, x: torch.sigmoid(x),
    "HardSigmoid": lambda a, x: torch.clamp(a.get("alpha", 0.2) * x + a.get("beta", 0.5), 0, 1),
    "Tanh": lambda a, x: torch.tanh(x),
    "Softplus": lambda a, x: F.softplus(x),
    "Clip": lambda a, x, lo, hi: torch.clamp(x, float(lo), float(hi)),
    "MaxPool": max_pool,
    "AveragePool": avg_pool,
    "GlobalAveragePool": lambda a, x: x.mean((2, 3), keepdim=True),
    "GlobalMaxPool": lambda a, x: x.amax((2, 3), keepdim=True),
    "ReduceSum": lambda a, x, axes: x.sum(tuple(axes.tolist()), keepdim=bool(a.get("keepdims", 1))),
    "Flatten": lambda a, x: torch.flatten(x, a.get("axis", 1)),
    "Reshape": lambda a, x, shape: x.reshape(tuple(shape.tolist())),
    "Gemm": lambda a, x, w, b=None: torch.addmm(b, x, w) if b is not None else x @ w,
    "BatchNormalization": lambda a, x, g, b, m, v: F.batch_norm(x, m, v, g, b, False, 0.0,
                                                                a.get("epsilon", 1e-5)),
    "Softmax": lambda a, x: torch.softmax(x, a.get("axis", -1)),
    "Add": variadic(torch.add),
    "Sum": variadic(torch.add),
    "Sub": lambda a, x, y: x - y,
    "Mul": variadic(torch.mul),
    "Max": variadic(torch.maximum),
    "Mean": lambda a, *xs: variadic(torch.add)(a, *xs) / len(xs),
    "Concat": lambda a, *xs: torch.cat(xs, a["axis"]),
    "Slice": lambda a, x, s, e, ax: x.narrow(int(ax[0]), int(s[0]), int(e[0]) - int(s[0])),
    "Pad": lambda a, x, p, *rest: F.pad(x, (int(p[3]), int(p[7]), int(p[2]), int(p[6]))),
    "Identity": lambda a, x: x,
}


class OnnxInTorch(torch.nn.Module):
    def __init__(self, path):
        super().__init__()
        model = onnx.load(path)
        self.values = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
                       for t in model.graph.initializer}
        self.nodes = []
        for n in model.graph.node:
            if n.op_type not in OPS:
                raise ValueError("no PyTorch translation for ONNX op " + n.op_type)
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            self.nodes.append((OPS[n.op_type], list(n.input), n.output[0], attrs))

    def forward(self, x):
        env = dict(self.values)
        env["input"] = x
        for op, inputs, output, attrs in self.nodes:
            env[output] = op(attrs, *[env[i] for i in inputs])
        return env["output"]


def main():
    mode = sys.argv[1]
    if mode == "check":
        path, src, dst, c, h, w = sys.argv[2:8]
        x = torch.from_numpy(np.fromfile(src, dtype="<f4").reshape(-1, int(c), int(h), int(w)))
        with torch.inference_mode():
            y = OnnxInTorch(path)(x)
        y.numpy().astype("<f4").tofile(dst)
        return
    batch, seconds, threads = int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    for path in sys.argv[5:]:
        net = OnnxInTorch(path).eval()
        shape = onnx.load(path).graph.input[0].type.tensor_type.shape.dim
        x = torch.rand(batch, *[d.dim_value for d in shape[1:]])
        with torch.inference_mode():
            net(x)  # warm-up
            n = 0
            t0 = time.perf_counter()
            while True:
                net(x)
                n += 1
                if time.perf_counter() - t0 >= seconds:
                    break
        print("samples_per_second=%.2f" % (n * batch / (time.perf_counter() - t0)), flush=True)


if __name__ == "__main__":
    main()
