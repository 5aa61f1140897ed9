"""Benchmark of the batched training engine (``nnlab.batched``), as ratios within one run.

Run ``python -m benchmarks.engine`` (add ``--sweep`` for the table of sizes and threads
behind the advice in ``nnlab/batched.py``). It prints:

(a) toy nets 2-16-16-1 on 300 points, K = 64 models, full-batch gradient descent: the
    engine against a Python loop of single trainings, both (1) ``nnlab.train`` and (2) the
    leanest honest plain-torch loop (forward, ``torch.autograd.grad``, one fused
    ``torch._foreach_add_`` update, the loss kept per epoch; no evaluation pass). Each side
    runs with its best thread count (1 or 2). Target: engine ≥ 10× faster than (2).
(b) digits-sized nets 64-h-h-10 on n = 1,200 rows: the engine's rate in floating-point
    operations per second against the machine's large-matmul rate (``torch.mm`` of two
    2048×2048 float32 matrices, best of several repeats) measured in the same run. Target:
    ≥ 0.5.

FLOPs counted (matrix products only, as is usual; element-wise work is not counted but its
time is): per training step and model, forward ``2·n·Σ in·out``, weight gradients the same,
input gradients ``2·n·Σ in·out`` without the first layer (nothing needs dLoss/dX):
``6·n·Σ in·out − 2·n·d·h1`` in all. The timed call also measures each epoch's training loss
and accuracy and runs one extra forward pass at the end; those FLOPs are not counted.

Timings are the best of several repeats, interleaved, because other processes share the
CPU; a ratio is computed from numbers measured minutes apart at most.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

import nnlab
from nnlab.batched import init_stack, train_batched

TOY_SIZES = [2, 16, 16, 1]


def best_time(fn: Callable[[], object], repeats: int = 5) -> float:
    """Return the smallest wall time (s) of ``repeats`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def with_threads(threads: int, fn: Callable[[], float]) -> float:
    """Run ``fn`` with ``threads`` intra-op threads, then restore the previous setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return fn()
    finally:
        torch.set_num_threads(before)


def matmul_rate(size: int = 2048, repeats: int = 10) -> float:
    """The machine's large-matmul rate in FLOP/s: ``torch.mm`` of two size×size float32."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    out = torch.empty(size, size)
    seconds = best_time(lambda: torch.mm(a, b, out=out), repeats)
    return 2 * size**3 / seconds


def train_flops(sizes: list[int], n: int, K: int, epochs: int) -> int:
    """Matrix-product FLOPs of ``epochs`` full-batch steps of K MLPs (see module docstring)."""
    fan = [i * o for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
    return K * epochs * (6 * n * sum(fan) - 2 * n * fan[0])


def lean_loop(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, lr: float, epochs: int):
    """The leanest honest single-model loop: full-batch GD with MSE, loss kept per epoch."""
    params = list(model.parameters())
    losses = torch.empty(epochs)
    for epoch in range(epochs):
        loss = F.mse_loss(model(X), y)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            torch._foreach_add_(params, grads, alpha=-lr)
        losses[epoch] = loss.detach()
    return losses


def toy_ratios(K: int = 64, n: int = 300, epochs: int = 50, repeats: int = 3) -> dict:
    """Seconds for K toy trainings: engine vs nnlab.train loop vs lean loop (best threads)."""
    X, labels = nnlab.make_moons(n=n, seed=0)
    y = labels.float().unsqueeze(1)
    seeds = list(range(K))
    lrs = torch.logspace(-2, -0.5, K).tolist()

    def models() -> list[torch.nn.Module]:
        out = []
        for s in seeds:
            torch.manual_seed(s)
            out.append(nnlab.MLP(TOY_SIZES))
        return out

    def run_engine() -> None:
        stack = init_stack(TOY_SIZES, seeds)
        train_batched(stack, X, y, lr=lrs, epochs=epochs, loss="mse", progress=False)

    def run_train() -> None:
        for m, lr in zip(models(), lrs, strict=True):
            nnlab.train(m, X, y, lr=lr, epochs=epochs, loss="mse", progress=False)

    def run_lean() -> None:
        for m, lr in zip(models(), lrs, strict=True):
            lean_loop(m, X, y, lr, epochs)

    times = {}
    for name, fn in [
        ("engine", run_engine),
        ("nnlab.train loop", run_train),
        ("lean loop", run_lean),
    ]:
        per_thread = {t: with_threads(t, lambda fn=fn: best_time(fn, repeats)) for t in (1, 2)}
        best = min(per_thread, key=per_thread.get)
        times[name] = (per_thread[best], best)
    return times


def digits_rate(h: int, K: int, epochs: int, threads: int, repeats: int = 3) -> tuple[float, float]:
    """(FLOP/s, seconds per epoch) of the engine on K nets 64-h-h-10, full batch, 1,200 rows."""
    X, y = nnlab.load_digits()
    X, y = X[:1200], y[:1200]
    sizes = [64, h, h, 10]
    seeds = list(range(K))
    stack = init_stack(sizes, seeds)

    def run() -> None:
        train_batched(stack.clone(), X, y, lr=0.05, epochs=epochs, progress=False)

    seconds = with_threads(threads, lambda: best_time(run, repeats))
    return train_flops(sizes, len(X), K, epochs) / seconds, seconds / epochs


def measure(quick: bool = False) -> dict:
    """The headline numbers: toy speed-ups and the digits rate as a fraction of matmul peak."""
    repeats = 2 if quick else 3
    peak = with_threads(torch.get_num_threads(), matmul_rate)
    toy = toy_ratios(repeats=repeats)
    digits = {
        (h, K): digits_rate(h, K, epochs=10 if quick else 20, threads=torch.get_num_threads())
        for h, K in [(64, 32), (128, 24), (256, 16)]
    }
    peak = max(peak, with_threads(torch.get_num_threads(), matmul_rate))  # again, after
    return {"peak": peak, "toy": toy, "digits": digits}


def print_report(result: dict) -> None:
    peak, toy, digits = result["peak"], result["toy"], result["digits"]
    engine = toy["engine"][0]
    print(f"large-matmul rate (torch.mm 2048x2048 float32): {peak / 1e9:.0f} GFLOP/s")
    print()
    print("(a) 64 toy nets 2-16-16-1, 300 points, 50 full-batch epochs")
    print("| run | seconds | threads | engine speed-up |")
    print("|---|---|---|---|")
    for name, (seconds, threads) in toy.items():
        print(f"| {name} | {seconds:.3f} | {threads} | {seconds / engine:.1f}x |")
    print()
    print("(b) digits nets 64-h-h-10, n = 1,200, full batch")
    print("| h | K | ms per epoch | GFLOP/s | fraction of matmul rate |")
    print("|---|---|---|---|---|")
    for (h, K), (rate, seconds) in digits.items():
        print(f"| {h} | {K} | {seconds * 1e3:.1f} | {rate / 1e9:.0f} | {rate / peak:.2f} |")


def sweep() -> None:
    """Print the engine's rate over widths, model counts and threads (digits, full batch)."""
    peak = matmul_rate()
    print(f"large-matmul rate: {peak / 1e9:.0f} GFLOP/s (all threads)")
    print("| h | K | threads | ms per epoch | GFLOP/s | fraction |")
    print("|---|---|---|---|---|---|")
    for h in (16, 32, 64, 128, 256):
        for K in (4, 16, 64, 256):
            if K * h > 16384:
                continue
            for threads in (1, 2):
                rate, sec = digits_rate(h, K, epochs=5, threads=threads, repeats=2)
                frac = rate / peak
                print(
                    f"| {h} | {K} | {threads} | {sec * 1e3:.1f} | {rate / 1e9:.0f} | {frac:.2f} |"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and epochs")
    parser.add_argument("--sweep", action="store_true", help="rate over h, K and threads")
    args = parser.parse_args()
    if args.sweep:
        sweep()
        return
    print_report(measure(quick=args.quick))


if __name__ == "__main__":
    main()
