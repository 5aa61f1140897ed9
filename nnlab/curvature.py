"""Sharpness: the top eigenvalue of a loss's Hessian, by power iteration on Hessian-vector
products. Notebook 04 (learning-rate effects) explains them; 03 and 05 use them too.

Gradient descent with learning rate lr is stable along a direction of curvature λ only when
lr < 2/λ, so the largest eigenvalue λ_max of the Hessian (the *sharpness*) decides the
largest stable rate; under full-batch gradient descent it rises to about 2/lr and hovers
there (the edge of stability, Cohen et al. 2021, arXiv 2103.00065).

The Hessian is never formed. Power iteration needs only products H·v, which autograd gives
by differentiating the gradient a second time ("double backward"): H·v = ∇(∇L · v). Each
product costs about two gradient evaluations.

- ``power_iteration(hvp, v0)``: the core, for any symmetric linear map.
- ``top_hessian_eigenvalue(fn, theta)``: for a plain function of a parameter vector.
- ``sharpness(model, X, y)``: for an ``nn.Module`` and a loss on data.
- ``filter_normalized_direction(stack)`` and ``loss_along_direction(stack, X, y, d,
  alphas)``: the loss on the line θ + α·d through each model's weights, with d a random
  direction scaled filter by filter (Li et al. 2018, arXiv 1712.09913); notebook 03.
- ``stack_sharpness(stack, X, y)``: for every model of a ``nnlab.batched.StackedMLP`` at once;
  ``stack_sharpness_with_vectors`` also returns the top eigenvectors (for warm starts).

Power iteration converges to the eigenvalue of largest *magnitude*. When that one is
negative (a saddle), a second run on H − λI finds the largest one; so the value returned is
always the largest (most positive) eigenvalue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from ._validate import LOSSES, check_choice, check_float, check_int, check_supervised, check_tensor
from .batched import StackedMLP, evaluate_stack
from .batched.data import check_stack_data
from .batched.evaluate import stack_losses
from .config import resolve_generator, resolve_seed
from .training import loss_function

Hvp = Callable[[torch.Tensor], torch.Tensor]


def power_iteration(
    hvp: Hvp, v0: torch.Tensor, iters: int = 200, tol: float = 1e-4
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(eigenvalue, eigenvector)`` of largest magnitude of the map ``v -> hvp(v)``.

    Works on a batch of independent problems: v0 is ``(K, p)`` (K vectors of p numbers;
    ``hvp`` must map each row with its own matrix) and the result is ``(K,)``, ``(K, p)``.
    Stops after ``iters`` products, or once every row's relative residual
    ``‖Hv − λv‖ / |λ|`` is below ``tol`` (the eigenvalue's relative error is then about
    tol² times |λ| / gap, far smaller).
    """
    if not callable(hvp):
        raise TypeError(f"hvp must be callable, v -> H v; got {type(hvp).__name__}")
    iters = check_int("iters", iters, minimum=1)
    tol = check_float("tol", tol, positive=True)
    check_tensor("v0", v0, ndim=2, floating=True)
    v = v0 / v0.norm(dim=1, keepdim=True)
    tiny = torch.finfo(v.dtype).tiny
    for _ in range(iters):
        w = hvp(v)
        value = (v * w).sum(dim=1)
        residual = (w - value.unsqueeze(1) * v).norm(dim=1)
        v = w / w.norm(dim=1, keepdim=True).clamp_min(tiny)
        if (residual <= tol * value.abs()).all() or not w.any():
            break
    return value, v


def _largest_eigenpair(
    hvp: Hvp, v0: torch.Tensor, iters: int, tol: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """The largest (most positive) eigenvalue per row and its unit eigenvector: shift by λ
    when λ came out negative."""
    value, vector = power_iteration(hvp, v0, iters, tol)
    shift = value.clamp_max(0.0).detach()
    if (shift == 0).all():
        return value, vector
    shifted, other = power_iteration(lambda v: hvp(v) - shift.unsqueeze(1) * v, v0, iters, tol)
    negative = shift < 0
    return torch.where(negative, shifted + shift, value), torch.where(
        negative.unsqueeze(1), other, vector
    )


def _largest_eigenvalue(hvp: Hvp, v0: torch.Tensor, iters: int, tol: float) -> torch.Tensor:
    """The largest (most positive) eigenvalue per row."""
    return _largest_eigenpair(hvp, v0, iters, tol)[0]


def _start_vector(K: int, p: int, dtype: torch.dtype, seed: int | None) -> torch.Tensor:
    seed = resolve_seed(seed)
    return torch.randn(K, p, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _gradient_hvp(loss: torch.Tensor, params: Sequence[torch.Tensor]) -> Hvp:
    """Return v -> H v for the Hessian of ``loss`` w.r.t. ``params``, v a flat ``(1, p)``."""
    grads = torch.autograd.grad(loss, params, create_graph=True)
    flat_grad = torch.cat([g.reshape(-1) for g in grads])

    def hvp(v: torch.Tensor) -> torch.Tensor:
        parts = torch.autograd.grad(flat_grad, params, grad_outputs=v[0], retain_graph=True)
        return torch.cat([h.reshape(-1) for h in parts]).detach().unsqueeze(0)

    return hvp


def top_hessian_eigenvalue(
    fn: Callable[[torch.Tensor], torch.Tensor],
    theta: torch.Tensor,
    iters: int = 200,
    tol: float = 1e-4,
    seed: int | None = None,
) -> float:
    """Return the largest eigenvalue of the Hessian of ``fn`` at ``theta``.

    ``fn`` maps a parameter vector ``theta`` ``(p,)`` to a scalar tensor, differentiably.
    Example: for ``fn(t) = 0.5 * t @ A @ t`` it is the largest eigenvalue of A.
    ``seed`` seeds the random start vector (default ``NNLAB_SEED``).
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable; got {type(fn).__name__}")
    check_tensor("theta", theta, ndim=1, floating=True)
    point = theta.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        value = fn(point)
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            raise ValueError("fn(theta) must return a scalar tensor")
        hvp = _gradient_hvp(value.reshape(()), [point])
        v0 = _start_vector(1, len(theta), theta.dtype, seed)
        return float(_largest_eigenvalue(hvp, v0, iters, tol)[0])


def sharpness(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss: str = "cross_entropy",
    iters: int = 200,
    tol: float = 1e-4,
    seed: int | None = None,
) -> float:
    """Return the top eigenvalue of the Hessian of the mean loss of ``model`` on ``(X, y)``
    with respect to all its trainable parameters.

    X ``(n, d)``; y int64 ``(n,)`` labels for ``"cross_entropy"`` or float ``(n, k)`` for
    ``"mse"`` (the losses of ``nnlab.train``). The model is evaluated in eval mode and left
    as it was.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    check_choice("loss", loss, LOSSES)
    check_supervised(X, y, loss)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters")
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            hvp = _gradient_hvp(loss_function(loss)(model(X), y), params)
            v0 = _start_vector(1, sum(p.numel() for p in params), params[0].dtype, seed)
            return float(_largest_eigenvalue(hvp, v0, iters, tol)[0])
    finally:
        model.train(was_training)


def stack_sharpness(
    stack: StackedMLP,
    X: torch.Tensor,
    y: torch.Tensor,
    loss: str = "cross_entropy",
    sample_weight: torch.Tensor | None = None,
    iters: int = 200,
    tol: float = 1e-4,
    seed: int | None = None,
    v0: torch.Tensor | None = None,
) -> torch.Tensor:
    """Return the sharpness of every model of a ``StackedMLP``, a ``(K,)`` tensor.

    Data shapes as in ``nnlab.batched.train_batched`` (shared or per-model X, y and sample
    weights). The summed loss of the K models has a block-diagonal Hessian, so one
    Hessian-vector product of the stack gives every model's own product, and the K power
    iterations run together. ``v0`` ``(K, p)``: start vectors (see
    ``stack_sharpness_with_vectors``); default a random start seeded by ``seed``.
    """
    return stack_sharpness_with_vectors(stack, X, y, loss, sample_weight, iters, tol, seed, v0)[0]


def stack_sharpness_with_vectors(
    stack: StackedMLP,
    X: torch.Tensor,
    y: torch.Tensor,
    loss: str = "cross_entropy",
    sample_weight: torch.Tensor | None = None,
    iters: int = 200,
    tol: float = 1e-4,
    seed: int | None = None,
    v0: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``stack_sharpness`` that also returns the top eigenvectors: ``(values (K,), vectors
    (K, p))``, p the number of parameters per model in the order of ``stack.parameters()``.

    Tracking the sharpness during training: give those vectors as ``v0`` to the next call (a
    warm start). The top direction changes little between nearby points, so a few iterations
    (``iters=20``) then do what a random start needs hundreds for.
    """
    check_choice("loss", loss, LOSSES)
    data = check_stack_data(stack, X, y, sample_weight, loss, "")
    n_params = sum(t[0].numel() for t in stack.parameters())
    if v0 is not None:
        check_tensor("v0", v0, ndim=2, floating=True)
        if tuple(v0.shape) != (stack.K, n_params):
            raise ValueError(
                f"v0 has shape {tuple(v0.shape)}; it must be (K={stack.K}, p={n_params}), one "
                "start vector per model (e.g. the vectors stack_sharpness_with_vectors gave)"
            )
        if not (v0.norm(dim=1) > 0).all():
            raise ValueError("v0 must have no all-zero row")
    params = [t.detach().clone().requires_grad_(True) for t in stack.parameters()]
    K = stack.K
    with torch.enable_grad():
        losses = stack_losses(params, stack.activation, data, loss)
        grads = torch.autograd.grad(losses.sum(), params, create_graph=True)
        flat_grad = torch.cat([g.reshape(K, -1) for g in grads], dim=1)
        sizes = [p[0].numel() for p in params]

        def hvp(v: torch.Tensor) -> torch.Tensor:
            parts = torch.autograd.grad(flat_grad, params, grad_outputs=v, retain_graph=True)
            return torch.cat([h.reshape(K, -1) for h in parts], dim=1).detach()

        start = (
            _start_vector(K, sum(sizes), stack.dtype, seed) if v0 is None else v0.to(stack.dtype)
        )
        values, vectors = _largest_eigenpair(hvp, start, iters, tol)
    return values.detach(), vectors.detach()


# ------------------------------------------------------------------ loss landscape


def filter_normalized_direction(
    stack: StackedMLP, generator: torch.Generator | None = None, biases: bool = False
) -> list[torch.Tensor]:
    """Return a random direction in each model's weight space, scaled filter by filter
    (Li, Xu, Taylor, Studer, Goldstein 2018, "Visualizing the Loss Landscape of Neural
    Nets", arXiv 1712.09913).

    The result is a list shaped like ``stack.parameters()`` (``[W1, b1, W2, b2, ...]``, each
    ``(K, ...)``). Each row of a weight matrix (the fan-in weights of one unit, a "filter")
    is drawn from N(0, I) and rescaled to the norm of the same row of the model's weights,
    so a step α along it changes every unit by the same *relative* amount: this makes plots
    of different networks comparable, whatever the scale of their weights. Bias directions
    are 0, as in the paper, unless ``biases=True`` (then each bias vector is scaled to the
    norm of the model's bias vector).
    """
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"stack must be a StackedMLP; got {type(stack).__name__}")
    gen = resolve_generator(generator)
    direction = []
    for W, b in zip(stack.weights, stack.biases, strict=True):
        d = torch.randn(W.shape, generator=gen, dtype=W.dtype)
        scale = W.detach().norm(dim=2, keepdim=True) / d.norm(dim=2, keepdim=True).clamp_min(1e-12)
        direction.append(d * scale)
        if biases:
            e = torch.randn(b.shape, generator=gen, dtype=b.dtype)
            scale = b.detach().norm(dim=1, keepdim=True) / e.norm(dim=1, keepdim=True).clamp_min(
                1e-12
            )
            direction.append(e * scale)
        else:
            direction.append(torch.zeros_like(b))
    return direction


def loss_along_direction(
    stack: StackedMLP,
    X: torch.Tensor,
    y: torch.Tensor,
    direction: Sequence[torch.Tensor],
    alphas: torch.Tensor | Sequence[float],
    loss: str = "cross_entropy",
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Return each model's loss and accuracy at θ + α·d for every α: two ``(K, A)`` tensors
    (accuracy None for ``loss="mse"``).

    ``direction`` is shaped like ``stack.parameters()`` (see
    ``filter_normalized_direction``); ``alphas`` ``(A,)`` are the step sizes (α = 0 is the
    model itself). X, y as in ``nnlab.batched.evaluate_stack`` (shared by all models). The
    K·A shifted models are evaluated together, in chunks. The stack is not changed.
    """
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"stack must be a StackedMLP; got {type(stack).__name__}")
    check_choice("loss", loss, LOSSES)
    alphas = torch.as_tensor(alphas, dtype=stack.dtype)
    check_tensor("alphas", alphas, ndim=1, floating=True)
    params = stack.parameters()
    direction = list(direction)
    if len(direction) != len(params):
        raise ValueError(
            f"direction must hold {len(params)} tensors shaped like stack.parameters(); "
            f"got {len(direction)}"
        )
    for i, (d, p) in enumerate(zip(direction, params, strict=True)):
        check_tensor(f"direction[{i}]", d, floating=True)
        if d.shape != p.shape:
            raise ValueError(
                f"direction[{i}] has shape {tuple(d.shape)}; expected {tuple(p.shape)}"
            )
    K, A = stack.K, len(alphas)

    def shifted(p: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        a = alphas.view(1, A, *([1] * (p.ndim - 1)))
        return (p.detach().unsqueeze(1) + a * d.to(p.dtype).unsqueeze(1)).reshape(
            K * A, *p.shape[1:]
        )

    moved = [shifted(p, d) for p, d in zip(params, direction, strict=True)]
    big = StackedMLP(moved[0::2], moved[1::2], stack.activation)
    values, accs = evaluate_stack(big, X, y, loss=loss)
    return values.view(K, A), (None if accs is None else accs.view(K, A))
