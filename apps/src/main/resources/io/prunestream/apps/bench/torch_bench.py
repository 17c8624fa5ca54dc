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


def main():
    net_name, batch, seconds, threads = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    if net_name == "lenet":
        net = LeNet()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    else:
        net = SmallCnn()
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    for _ in range(20):
        step()
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        n += 1
    print("samples_per_second=%.1f" % (n * batch / (time.perf_counter() - t0)))


if __name__ == "__main__":
    main()
