"""Benchmark of the batched training engine (``nnlab.batched``), as ratios within one run.

Run ``python -m benchmarks.engine`` (``--quick`` for fewer repeats; ``--sweep`` for the
table of widths, model counts and threads behind the advice in ``nnlab/batched/__init__.py``).

(a) Toy nets 2-16-16-1 on 300 points (the two moons, squared error), K = 64 models with
    different seeds and learning rates, 50 full-batch epochs. Training time only: building
    the 64 models (the same work either way, about 20 ms) is not timed. The engine against
    a Python loop of single trainings:
    - ``nnlab.train``, as a notebook would call it (it also evaluates after every epoch);
    - the leanest honest plain-torch loop: forward, ``torch.autograd.grad``, one fused
      ``torch._foreach_add_`` update, the loss kept per epoch, nothing else.
    - the engine's real peer, PyTorch's model-ensembling recipe: ``torch.func``'s
      ``stack_module_state`` + ``functional_call`` + ``vmap(grad_and_value(...))`` over the
      64 stacked models, with the same per-model learning rates and one fused update.
    The loops are timed on 16 of the 64 models and scaled by 4 (every model costs the
    same). Each contender runs with its best thread count (1 or 2). Targets: ≥ 10× (lean),
    ≥ 1× (vmap: the engine stays ahead of the library's own recipe).
(b) Digits-sized nets 64-h-h-10 on n = 1,200 digits, full batch: the engine's rate in
    floating-point operations per second against the machine's large-matmul rate, measured
    in the same run (``torch.mm`` of two 2048×2048 float32 matrices on all threads, best of
    10, before and after). The engine runs with its best thread count (1 or 2). Target: ≥ 0.5.
    The ``torch.func`` vmap recipe does the same work (cross-entropy, the loss and accuracy
    of every model kept per epoch); its best epoch time against the engine's is reported.

FLOPs counted: matrix products only (element-wise work is not counted, but its time is).
Per model and full-batch step: forward ``2·n·Σ in·out``; weight gradients the same; input
gradients ``2·n·Σ in·out`` less the first layer's (nothing needs dLoss/dX), so
``6·n·Σ in·out − 2·n·d·h1`` in all. The time is the best epoch of several runs, read from
the engine's per-epoch callback; an epoch is one step plus the recording of every model's
training loss and accuracy (taken from that step's forward pass).

Other processes share this machine's two cores, so every time is a minimum over repeats,
contenders are interleaved, and the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import copy
import os
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.func import functional_call, grad_and_value, stack_module_state, vmap

import nnlab
from nnlab.batched import init_stack, train_batched

TOY_SIZES = [2, 16, 16, 1]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_of(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Smallest wall time (s) of each function over ``repeats`` interleaved rounds.

    A function may return a second function: then only that one is timed (the first one
    prepares its input, e.g. fresh models).
    """
    best = {name: float("inf") for name in fns}
    for _ in range(repeats + 1):  # the first round warms up
        for name, fn in fns.items():
            prepared = fn()
            if callable(prepared):
                best[name] = min(best[name], timed(prepared))
            else:
                best[name] = min(best[name], timed(fn))
    return best


def set_threads(threads: int) -> None:
    torch.set_num_threads(threads)


def matmul_rate(size: int = 2048, repeats: int = 10) -> float:
    """The machine's large-matmul rate in FLOP/s: ``torch.mm`` of two size×size float32."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    out = torch.empty(size, size)
    seconds = best_of({"mm": lambda: torch.mm(a, b, out=out)}, repeats)["mm"]
    return 2 * size**3 / seconds


def step_flops(sizes: list[int], n: int, K: int) -> int:
    """Matrix-product FLOPs of one full-batch step of K MLPs (see the module docstring)."""
    fan = [i * o for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
    return K * (6 * n * sum(fan) - 2 * n * fan[0])


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


def vmap_trainer(
    sizes: list[int],
    seeds: list[int],
    X: torch.Tensor,
    y: torch.Tensor,
    lrs: list[float],
    loss: str,
) -> Callable[[int], torch.Tensor]:
    """PyTorch's ensembling recipe: ``len(seeds)`` MLPs trained at once with ``torch.func``.

    The models (``nnlab.MLP(sizes)``, one per seed) are stacked with ``stack_module_state``
    and called through ``functional_call`` on a stateless copy; ``vmap(grad_and_value(...))``
    gives every model's gradient, loss and outputs in one call, and one fused ``_foreach``
    update applies each model's learning rate. ``loss`` is ``"mse"`` or ``"cross_entropy"``
    (then each epoch also computes every model's accuracy, as the engine records it).
    Returns ``train(epochs)``, which trains in place and returns the losses, shape
    ``(epochs, K)``.
    """
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(nnlab.MLP(sizes))
    params, buffers = stack_module_state(models)
    stateless = copy.deepcopy(models[0]).to("meta")
    loss_fn = {"mse": F.mse_loss, "cross_entropy": F.cross_entropy}[loss]

    def one_model(p: dict, b: dict, inputs: torch.Tensor, targets: torch.Tensor):
        out = functional_call(stateless, (p, b), (inputs,))
        return loss_fn(out, targets), out

    step = vmap(grad_and_value(one_model, has_aux=True), in_dims=(0, 0, None, None))
    names = list(params)
    tensors = [params[name] for name in names]
    lr = torch.as_tensor(lrs, dtype=torch.float32)
    lr_views = [lr.view(-1, *[1] * (t.dim() - 1)) for t in tensors]

    def train(epochs: int) -> torch.Tensor:
        losses = torch.empty(epochs, len(seeds))
        for epoch in range(epochs):
            grads, (loss_value, out) = step(params, buffers, X, y)
            with torch.no_grad():
                torch._foreach_sub_(
                    tensors, torch._foreach_mul([grads[n] for n in names], lr_views)
                )
                losses[epoch] = loss_value
                if loss == "cross_entropy":
                    (out.argmax(-1) == y).float().mean(-1)  # each model's accuracy, as recorded
        return losses

    return train


def toy_times(K: int = 64, n: int = 300, epochs: int = 50, repeats: int = 5) -> dict:
    """{name: (seconds for all K models, threads)} for the engine and the two loops."""
    X, labels = nnlab.make_moons(n=n, seed=0)
    y = labels.float().unsqueeze(1)
    lrs = torch.logspace(-2, -1, K).tolist()
    subset = range(0, K, 4)  # loops: every 4th model, time scaled by 4

    def models() -> list[torch.nn.Module]:
        out = []
        for k in subset:
            torch.manual_seed(k)
            out.append(nnlab.MLP(TOY_SIZES))
        return out

    def run_engine() -> Callable[[], object]:
        stack = init_stack(TOY_SIZES, list(range(K)))
        return lambda: train_batched(stack, X, y, lr=lrs, epochs=epochs, loss="mse", progress=False)

    def run_train() -> Callable[[], object]:
        fresh = models()
        return lambda: [
            nnlab.train(m, X, y, lr=lrs[k], epochs=epochs, loss="mse", progress=False)
            for m, k in zip(fresh, subset, strict=True)
        ]

    def run_lean() -> Callable[[], object]:
        fresh = models()
        return lambda: [
            lean_loop(m, X, y, lrs[k], epochs) for m, k in zip(fresh, subset, strict=True)
        ]

    def run_vmap() -> Callable[[], object]:
        train = vmap_trainer(TOY_SIZES, list(range(K)), X, y, lrs, "mse")
        return lambda: train(epochs)

    scale = {
        "engine": 1,
        "torch.func vmap": 1,
        "nnlab.train loop": K / len(subset),
        "lean loop": K / len(subset),
    }
    fns = {
        "engine": run_engine,
        "torch.func vmap": run_vmap,
        "nnlab.train loop": run_train,
        "lean loop": run_lean,
    }
    result: dict[str, tuple[float, int]] = {}
    for threads in (1, 2):
        set_threads(threads)
        for name, seconds in best_of(fns, repeats).items():
            total = seconds * scale[name]
            if name not in result or total < result[name][0]:
                result[name] = (total, threads)
    return result


def digits_epoch_time(h: int, K: int, epochs: int = 6, runs: int = 4) -> float:
    """Best epoch time (s) of the engine on K nets 64-h-h-10, full batch, 1,200 digits."""
    X, y = nnlab.load_digits()
    X, y = X[:1200], y[:1200]
    stack = init_stack([64, h, h, 10], list(range(K)))
    best = float("inf")
    for _ in range(runs):
        stamps = [time.perf_counter()]
        train_batched(
            stack.clone(),
            X,
            y,
            lr=0.05,
            epochs=epochs,
            progress=False,
            callback=lambda epoch, s, stamps=stamps: stamps.append(time.perf_counter()),
        )
        best = min(best, *(b - a for a, b in zip(stamps[:-1], stamps[1:], strict=True)))
    return best


def digits_vmap_epoch_time(h: int, K: int, epochs: int = 6, runs: int = 4) -> float:
    """Best epoch time (s) of the ``torch.func`` vmap recipe on the same work as the engine."""
    X, y = nnlab.load_digits()
    X, y = X[:1200], y[:1200]
    best = float("inf")
    for _ in range(runs):
        train = vmap_trainer([64, h, h, 10], list(range(K)), X, y, [0.05] * K, "cross_entropy")
        train(1)  # warm-up
        for _ in range(epochs):
            best = min(best, timed(lambda train=train: train(1)))
    return best


def digits_rates(configs: list[tuple[int, int]], threads: tuple[int, ...]) -> dict:
    """{(h, K): (FLOP/s, seconds per epoch, threads, vmap seconds per epoch)}.

    The engine's best over the thread counts, and the vmap recipe's best over the same counts.
    """
    out: dict[tuple[int, int], tuple[float, float, int, float]] = {}
    for t in threads:
        set_threads(t)
        for h, K in configs:
            seconds = digits_epoch_time(h, K)
            vmap_seconds = digits_vmap_epoch_time(h, K)
            rate = step_flops([64, h, h, 10], 1200, K) / seconds
            best_vmap = min(vmap_seconds, out[(h, K)][3]) if (h, K) in out else vmap_seconds
            if (h, K) not in out or rate > out[(h, K)][0]:
                out[(h, K)] = (rate, seconds, t, best_vmap)
            else:
                out[(h, K)] = (*out[(h, K)][:3], best_vmap)
    return out


def measure(quick: bool = False) -> dict:
    """The headline numbers: toy speed-ups and the digits rates against the matmul rate."""
    threads = torch.get_num_threads()
    load_before = os.getloadavg()[0]
    peak = matmul_rate()
    toy = toy_times(repeats=3 if quick else 5)
    digits = digits_rates([(64, 32), (128, 24), (256, 16)], (1, threads))
    set_threads(threads)
    peak = max(peak, matmul_rate())  # measured before and after; the better one counts
    return {
        "peak": peak,
        "toy": toy,
        "digits": digits,
        "threads": threads,
        "load": (load_before, os.getloadavg()[0]),
    }


def print_report(result: dict) -> None:
    peak, toy, digits = result["peak"], result["toy"], result["digits"]
    engine = toy["engine"][0]
    print(f"load average (1 min) before / after: {result['load'][0]:.1f} / {result['load'][1]:.1f}")
    print(
        f"large-matmul rate (torch.mm 2048x2048 float32, {result['threads']} threads): "
        f"{peak / 1e9:.0f} GFLOP/s"
    )
    print()
    print("(a) 64 toy nets 2-16-16-1, 300 points, 50 full-batch epochs")
    print("| run | seconds | threads | engine speed-up |")
    print("|---|---|---|---|")
    for name, (seconds, threads) in toy.items():
        print(f"| {name} | {seconds:.3f} | {threads} | {seconds / engine:.1f}x |")
    print()
    print("(b) digits nets 64-h-h-10, n = 1,200, full batch, best epoch")
    print(
        "| h | K | threads | ms per epoch | GFLOP/s | fraction of matmul rate "
        "| torch.func vmap ms per epoch | engine speed-up over vmap |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for (h, K), (rate, seconds, t, vmap_seconds) in digits.items():
        row = f"| {h} | {K} | {t} | {seconds * 1e3:.1f} | {rate / 1e9:.0f} |"
        print(
            f"{row} {rate / peak:.2f} | {vmap_seconds * 1e3:.1f} | {vmap_seconds / seconds:.1f}x |"
        )


def sweep() -> None:
    """Print the engine's rate over widths, model counts and threads (digits, full batch)."""
    print(f"load average (1 min): {os.getloadavg()[0]:.1f}")
    print("| h | K | threads | ms per epoch | GFLOP/s | fraction of that thread count's mm |")
    print("|---|---|---|---|---|---|")
    configs = [(h, K) for h in (16, 32, 64, 128, 256) for K in (4, 16, 64, 256) if K * h <= 8192]
    for threads in (1, 2):
        set_threads(threads)
        peak = matmul_rate()
        for (h, K), (rate, seconds, _, _) in digits_rates(configs, (threads,)).items():
            row = f"| {h} | {K} | {threads} | {seconds * 1e3:.1f} | {rate / 1e9:.0f} |"
            print(f"{row} {rate / peak:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--sweep", action="store_true", help="rate over h, K and threads")
    args = parser.parse_args()
    if args.sweep:
        sweep()
    else:
        print_report(measure(quick=args.quick))


if __name__ == "__main__":
    main()
