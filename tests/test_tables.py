"""nnlab.tables: mean ± spread over seeds, checked against NumPy, and the table layout."""

import numpy as np
import pytest
import torch

from nnlab.tables import format_mean_std, mean_sem, mean_std, mean_std_table


def test_mean_std_matches_numpy():
    values = torch.tensor([[0.9, 0.92, 0.95], [0.5, 0.6, 0.4]])
    m, s = mean_std(values)
    np.testing.assert_allclose(m.numpy(), values.numpy().mean(1), rtol=1e-6)
    np.testing.assert_allclose(s.numpy(), values.numpy().std(1, ddof=1), rtol=1e-5)
    m, s = mean_std(values, dim=0)
    assert m.shape == (3,)
    m, s = mean_std(torch.tensor([[0.5]]))
    assert float(s) == 0.0


def test_format_mean_std():
    assert format_mean_std(torch.tensor([0.9, 0.92, 0.94])) == "0.920 ± 0.020"
    assert format_mean_std(torch.tensor([0.9, 0.92, 0.94]), digits=1, scale=100) == "92.0 ± 2.0"
    with pytest.raises(ValueError, match="dimension"):
        format_mean_std(torch.zeros(2, 2))


def test_mean_std_table_layout():
    values = torch.tensor(
        [[[0.9, 0.92, 0.94], [0.8, 0.8, 0.8]], [[0.5, 0.5, 0.5], [0.1, 0.2, 0.3]]]
    )
    text = mean_std_table(values, ["n=50", "n=100"], ["width 16", "width 64"], corner="size")
    lines = text.splitlines()
    assert len(lines) == 3
    assert lines[0].split() == ["size", "width", "16", "width", "64"]
    assert "0.920 ± 0.020" in lines[1] and "0.800 ± 0.000" in lines[1]
    assert lines[2].startswith("n=100") and lines[2].endswith("0.200 ± 0.100")
    assert len({len(line) for line in lines}) == 1  # aligned columns
    one_column = mean_std_table(values[:, 0], ["a", "b"], ["acc"])
    assert one_column.splitlines()[1].endswith("0.920 ± 0.020")


def test_mean_std_table_checks_labels():
    with pytest.raises(ValueError, match="row labels"):
        mean_std_table(torch.zeros(2, 3, 4), ["a"], ["x", "y", "z"])
    with pytest.raises(ValueError, match="shape"):
        mean_std_table(torch.zeros(2), ["a"], ["x"])


def test_mean_sem_is_std_over_root_n():
    values = torch.tensor([[0.9, 0.92, 0.95, 0.91], [0.5, 0.6, 0.4, 0.3]], dtype=torch.float64)
    m, se = mean_sem(values)
    expected = values.numpy().std(1, ddof=1) / np.sqrt(4)
    np.testing.assert_allclose(se.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(m.numpy(), values.numpy().mean(1), rtol=1e-12)


def test_table_with_standard_errors_and_digits_per_column():
    values = torch.tensor([[[0.9, 0.92, 0.94], [10.0, 20.0, 30.0]]])
    text = mean_std_table(values, ["a"], ["acc", "epochs"], digits=[3, 0], spread="sem")
    row = text.splitlines()[1]
    assert "0.920 ± 0.012" in row  # 0.02 / sqrt(3)
    assert row.endswith("20 ± 6")  # 10 / sqrt(3) = 5.8
    with pytest.raises(ValueError, match="one per column"):
        mean_std_table(values, ["a"], ["acc", "epochs"], digits=[3])
    with pytest.raises(ValueError, match="spread"):
        mean_std_table(values, ["a"], ["acc", "epochs"], spread="iqr")
