"""Bad-input cases for nnlab.sae and the checks of notebook 07."""

import torch
from badinput import bad, check, names

from nnlab import sae
from nnlab.exercises import nb07

ACTS = torch.rand(20, 4)
LABELS = torch.randint(3, (20,))
MODEL = sae.SAE(torch.randn(6, 4), torch.zeros(6), torch.randn(4, 6), torch.zeros(4), 0.1)

CASES = {
    "nnlab.sae.train_sae": names(
        bad(sae.train_sae, "acts 1-D", "acts", torch.ones(5), 4, l1=0.1, steps=1),
        bad(sae.train_sae, "zero latents", "n_latents", ACTS, 0, l1=0.1, steps=1),
        bad(sae.train_sae, "negative l1", "l1", ACTS, 4, l1=-0.1, steps=1),
        bad(sae.train_sae, "zero steps", "steps", ACTS, 4, l1=0.1, steps=0),
        bad(sae.train_sae, "zero rate", "lr", ACTS, 4, l1=0.1, steps=1, lr=0.0),
        bad(
            sae.train_sae, "resample not bool", "resample", ACTS, 4, l1=0.1, steps=1, resample="yes"
        ),
        bad(sae.train_sae, "NaN in acts", "acts", ACTS * float("nan"), 4, l1=0.1, steps=1),
    ),
    "nnlab.sae.train_saes": names(
        bad(sae.train_saes, "l1 a float", "l1", ACTS, 4, l1=0.1, steps=1),
        bad(sae.train_saes, "empty l1", "l1", ACTS, 4, l1=[], steps=1),
        bad(sae.train_saes, "one row", "acts", ACTS[:1], 4, l1=[0.1], steps=1),
        bad(
            sae.train_saes,
            "renormalise not bool",
            "renormalise",
            ACTS,
            4,
            l1=[0.1],
            steps=1,
            renormalise=1,
        ),
    ),
    "nnlab.sae.SAE": names(
        bad(MODEL.encode, "wrong width", "x", torch.rand(3, 5)),
        bad(MODEL.decode, "wrong width", "z", torch.rand(3, 5)),
        bad(MODEL.dead_fraction, "1-D", "acts", torch.rand(4)),
    ),
    "nnlab.sae.sparse_dictionary_data": names(
        bad(sae.sparse_dictionary_data, "zero d", "d", 10, 0, 4, p_active=0.1),
        bad(sae.sparse_dictionary_data, "p above 1", "p_active", 10, 3, 4, p_active=2.0),
        bad(sae.sparse_dictionary_data, "float n", "n", 10.5, 3, 4, p_active=0.1),
    ),
    "nnlab.sae.recovery": names(
        bad(sae.recovery, "row mismatch", "decoder", torch.rand(3, 4), torch.rand(4, 4)),
        bad(sae.recovery, "1-D", "true_dirs", torch.rand(3, 4), torch.rand(3)),
    ),
    "nnlab.sae.class_purity": names(
        bad(sae.class_purity, "float labels", "labels", ACTS, LABELS.float()),
        bad(sae.class_purity, "short labels", "labels", ACTS, LABELS[:5]),
        bad(sae.class_purity, "top too large", "top", ACTS, LABELS, top=50),
        bad(sae.class_purity, "zero top", "top", ACTS, LABELS, top=0),
    ),
    "nnlab.exercises.nb07.check_recovery": names(
        check(nb07.check_recovery, "not a function", "recovery_score", "cos"),
    ),
    "nnlab.exercises.nb07.check_feature_dimensionality": names(
        check(
            nb07.check_feature_dimensionality,
            "returns text",
            "feature_dimensionality",
            lambda W: "two fifths",
        ),
    ),
    "nnlab.exercises.nb07.check_revive": names(
        check(nb07.check_revive, "unknown option", "options", "e"),
    ),
}
