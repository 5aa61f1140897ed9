"""nnlab.diagram: the network diagram draws one line per weight, coloured by its value."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.collections import LineCollection

from nnlab.diagram import layer_sizes, node_positions, plot_network


def _weights(sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


@pytest.mark.parametrize("sizes", [[2, 8, 2], [3, 1], [4, 5, 3, 2], [1, 1, 1, 1, 1]])
def test_one_line_per_weight_between_the_right_units(sizes):
    weights = _weights(sizes)
    ax = plot_network(weights, title="t")
    lines = ax.collections[0]
    assert isinstance(lines, LineCollection)
    segments = lines.get_segments()
    assert len(segments) == sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    # the colour values are the weights, in the order layer, row, column
    np.testing.assert_allclose(lines.get_array(), np.concatenate([w.ravel() for w in weights]))
    # the first segment joins input unit 0 to unit 0 of the next layer
    pos = node_positions(sizes)
    np.testing.assert_allclose(segments[0], [pos[0][0], pos[1][0]])
    # the last segment joins the last unit of the second-last layer to the last output unit
    np.testing.assert_allclose(segments[-1], [pos[-2][-1], pos[-1][-1]])
    assert len(ax.collections[1].get_offsets()) == sum(sizes)


def test_width_grows_with_size_and_colour_scale_is_symmetric():
    W1 = np.array([[0.0, 1.0, -2.0]])
    W2 = np.array([[0.5], [-0.5], [4.0]])
    ax = plot_network([W1, W2], vmax=2.0, label="blame (a.u.)")
    lines = ax.collections[0]
    widths = np.asarray(lines.get_linewidths())
    values = lines.get_array()
    assert widths[np.argmax(np.abs(values))] == widths.max()
    assert widths[0] == widths.min()  # the zero weight is thinnest
    assert widths[2] == widths[5]  # |-2| and |4| are both clipped at vmax = 2
    assert lines.norm.vmin == -2.0 and lines.norm.vmax == 2.0
    assert lines.get_cmap().name == "RdBu_r"
    colorbar_axes = [a for a in ax.figure.axes if a is not ax]
    assert len(colorbar_axes) == 1 and colorbar_axes[0].get_ylabel() == "blame (a.u.)"
    # red for positive, blue for negative
    colours = lines.get_colors() if len(lines.get_colors()) > 1 else None
    if colours is None:
        ax.figure.canvas.draw()
        colours = lines.get_colors()
    assert colours[5][0] > colours[5][2] and colours[2][2] > colours[2][0]


def test_default_scale_is_the_largest_magnitude_and_labels_are_set():
    W = [np.array([[0.2, -3.0]]), np.array([[1.0], [2.0]])]
    ax = plot_network(W, title="Blame", colorbar=False)
    assert ax.collections[0].norm.vmax == 3.0
    assert ax.get_title() == "Blame" and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "input\n(1)",
        "hidden 1\n(2)",
        "output\n(1)",
    ]
    assert len(ax.figure.axes) == 1


def test_draws_into_given_axes_and_accepts_torch_tensors():
    fig, axes = plt.subplots(1, 2)
    lin = torch.nn.Linear(3, 2)
    out = plot_network([lin.weight.T], ax=axes[1], layer_names=["in", "out"])
    assert out is axes[1] and len(axes[1].collections[0].get_segments()) == 6
    assert len(axes[0].collections) == 0


def test_layer_sizes_chain():
    assert layer_sizes(_weights([5, 3, 2])) == [5, 3, 2]


@pytest.mark.parametrize(
    "weights, kwargs, error, match",
    [
        (np.ones((2, 2)), {}, TypeError, "list of 2-D arrays"),
        ([], {}, ValueError, "at least one"),
        ([np.ones(3)], {}, ValueError, r"weights\[0\] must be 2-D"),
        ([np.ones((2, 3)), np.ones((2, 4))], {}, ValueError, "needs 3 rows"),
        ([np.ones((2, 3)), np.ones((4, 3))], {}, ValueError, "transposed"),
        ([np.ones((2, 3), dtype=int)], {}, TypeError, "floats"),
        ([[[1.0, 2.0]]], {}, TypeError, "NumPy array or torch.Tensor"),
        ([np.array([[1.0, np.inf]])], {}, ValueError, "NaN or infinite"),
        ([np.ones((2, 3))], {"vmax": 0.0}, ValueError, "vmax"),
        ([np.ones((2, 3))], {"vmax": "big"}, TypeError, "vmax"),
        ([np.ones((2, 3))], {"max_width": -1.0}, ValueError, "max_width"),
        ([np.ones((2, 3))], {"layer_names": ["only one"]}, ValueError, "layer_names"),
        ([np.ones((2, 3))], {"title": 5}, TypeError, "title"),
        ([np.ones((100, 100))], {}, ValueError, "readable up to"),
    ],
)
def test_bad_inputs_raise_clear_errors(weights, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_network(weights, **kwargs)
