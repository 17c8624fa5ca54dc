"""PyTorch side of prunestream's training benchmark: the same nets, batch and optimizer as the
DL4J side, timed the same way. Prints one line: samples_per_second=<float>."""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 20, 5)
        self.c2 = nn.Conv2d(20, 50, 5)
        self.f1 = nn.Linear(50 * 4 * 4, 128)
        self.out = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.out(F.relu(self.f1(x.flatten(1))))


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        w = [1, 16, 32, 64]
        self.convs = nn.ModuleList(nn.Conv2d(w[i], w[i + 1], 3, padding=1, bias=False) for i in range(3))
        self.bns = nn.ModuleList(nn.BatchNorm2d(w[i + 1]) for i in range(3))
        self.f1 = nn.Linear(64 * 3 * 3, 128)
        self.out = nn.Linear(128, 10)

    def forward(self, x):
        for c, b in zip(self.convs, self.bns):
            x = F.max_pool2d(F.relu(b(c(x))), 2)
        return self.out(F.relu(self.f1(x.flatten(1))))


VGG16 = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512]


class Vgg(nn.Module):
    """prunestream's VGG: 3x3 convolutions without bias, BatchNorm, ReLU, 2x2 max-pools (0 in the
    layout; the last one left out on 32x32, as DL4J's builder does below a 2x2 map), global average
    pooling, one linear layer."""

    def __init__(self, layout, classes=10):
        super().__init__()
        layers, c, size = [], 3, 32
        for w in layout:
            if w == 0:
                if size >= 2:
                    layers.append(nn.MaxPool2d(2))
                    size //= 2
                continue
            layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
            c = w
        self.features = nn.Sequential(*layers)
        self.out = nn.Linear(c, classes)

    def forward(self, x):
        return self.out(self.features(x).mean((2, 3)))


class Block(nn.Module):
    """A CIFAR ResNet basic block with the paper's option-A shortcut (subsample, zero channels)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.stride, self.extra = stride, cout - cin

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        s = x[:, :, :: self.stride, :: self.stride] if self.stride > 1 else x
        if self.extra:
            s = F.pad(s, (0, 0, 0, 0, 0, self.extra))
        return F.relu(y + s)


class ResNet(nn.Module):
    def __init__(self, depth, classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        blocks, c = [], 16
        for s, w in enumerate([16, 32, 64]):
            for b in range(n):
                blocks.append(Block(c, w, 2 if s > 0 and b == 0 else 1))
                c = w
        self.blocks = nn.Sequential(*blocks)
        self.out = nn.Linear(c, classes)

    def forward(self, x):
        return self.out(self.blocks(self.stem(x)).mean((2, 3)))


def main():
    net_name, batch, seconds, threads = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 20
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    shape = (batch, 1, 28, 28)
    sgd = dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
    if net_name == "lenet":
        net = LeNet()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    else:
        if net_name == "small-cnn":
            net = SmallCnn()
        elif net_name == "vgg16":
            net, shape = Vgg(VGG16), (batch, 3, 32, 32)
        elif net_name == "resnet56":
            net, shape = ResNet(56), (batch, 3, 32, 32)
        else:
            raise SystemExit("unknown net " + net_name)
        opt = torch.optim.SGD(net.parameters(), **sgd)
    x = torch.rand(*shape)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    for _ in range(warmup):
        step()
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        n += 1
    print("samples_per_second=%.1f" % (n * batch / (time.perf_counter() - t0)))


if __name__ == "__main__":
    main()
