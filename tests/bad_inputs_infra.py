"""Bad-input cases for nnlab.streams, nnlab.claims, nnlab.tables and config.resolve_seed."""

import torch
from badinput import bad, names

from nnlab import claims, config, streams, tables

FLOATS = torch.randn(5, 3, dtype=torch.float64)

NO_ARGUMENTS = {"nnlab.claims.ClaimFailed": "an exception class: any message"}

CASES = {
    "nnlab.config.resolve_generator": names(
        bad(config.resolve_generator, "a seed, not a generator", "generator", 3),
    ),
    "nnlab.config.resolve_seed": names(
        bad(config.resolve_seed, "negative seed", "seed", -1),
        bad(config.resolve_seed, "float seed", "seed", 1.5),
        bad(config.resolve_seed, "named argument", "offset", "x", name="offset"),
    ),
    "nnlab.streams.stream_seed": names(
        bad(streams.stream_seed, "name not a string", "name", 3),
        bad(streams.stream_seed, "empty name", "name", " "),
        bad(streams.stream_seed, "negative index", "index", "x", -1),
        bad(streams.stream_seed, "float index", "index", "x", 0.5),
    ),
    "nnlab.streams.stream_seeds": names(
        bad(streams.stream_seeds, "zero runs", "n", "x", 0),
        bad(streams.stream_seeds, "name not a string", "name", None, 2),
    ),
    "nnlab.streams.rng": names(bad(streams.rng, "name not a string", "name", 1.0)),
    "nnlab.streams.np_rng": names(bad(streams.np_rng, "negative index", "index", "x", -3)),
    "nnlab.claims.claim": names(
        bad(claims.claim, "empty statement", "statement", "", True),
        bad(claims.claim, "many truth values", "holds", "x", torch.tensor([True, False])),
    ),
    "nnlab.claims.explain": names(
        bad(claims.explain, "empty statement", "statement", "", 1, 0),
        bad(claims.explain, "negative seed", "seed", "x", 1, -1),
    ),
    "nnlab.tables.mean_std": names(
        bad(tables.mean_std, "integer values", "values", torch.arange(4)),
        bad(tables.mean_std, "dim out of range", "dim", FLOATS, dim=3),
    ),
    "nnlab.tables.mean_sem": names(
        bad(tables.mean_sem, "not a tensor", "values", [0.1, 0.2]),
    ),
    "nnlab.tables.format_mean_std": names(
        bad(tables.format_mean_std, "2-D values", "values", FLOATS),
        bad(tables.format_mean_std, "negative digits", "digits", FLOATS[0], digits=-1),
        bad(tables.format_mean_std, "zero scale", "scale", FLOATS[0], scale=0.0),
        bad(tables.format_mean_std, "unknown spread", "spread", FLOATS[0], spread="iqr"),
    ),
    "nnlab.tables.mean_std_table": names(
        bad(tables.mean_std_table, "1-D values", "values", FLOATS[0], [1], [1]),
        bad(tables.mean_std_table, "too few row labels", "values", FLOATS, [1], ["a"]),
        bad(
            tables.mean_std_table,
            "digits per column",
            "digits",
            FLOATS,
            [1] * 5,
            ["a"],
            digits=[1, 2],
        ),
    ),
}
