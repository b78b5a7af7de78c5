"""The design registry (core/designs.py) is complete: every design a plan can store has an entry, every method
an entry names is one step 5 runs, and each step reads its facts from there."""

import typing

import pytest

from core import design, designs, results, roi
from core.plan import DesignKind, IsolationMethod
from core.templates import sales_skills


def test_every_stored_design_kind_has_an_entry_and_every_entry_a_stored_kind():
    kinds = {k for k in typing.get_args(DesignKind) if k}
    assert {s.kind for s in designs.SPECS.values()} == kinds
    assert all(s.isolation in typing.get_args(IsolationMethod) for s in designs.SPECS.values())


def test_every_method_an_entry_registers_has_a_label_and_runs_in_step_5():
    import inspect

    dispatched = inspect.getsource(results.estimate)
    for key, spec in designs.SPECS.items():
        assert spec.methods, key
        for method in spec.methods:
            assert method in designs.METHODS, (key, method)
            assert f'"{method}"' in dispatched, (key, method)  # results.estimate has a branch for it


@pytest.mark.parametrize("key", list(designs.SPECS))
def test_choosing_a_design_is_read_back_from_the_registry_by_every_step(key):
    plan = sales_skills()
    design.choose(plan, key)
    spec = designs.SPECS[key]
    assert design.choice(plan) == key and designs.spec(plan) is spec
    assert results.registered_method(plan) == spec.methods[0]
    assert roi.isolation(plan) == spec.isolation
    kept = spec.cluster_column == "keep" and bool(sales_skills().pilot.cluster_column)
    assert bool(plan.pilot.cluster_column) == (spec.cluster_column == "set" or kept)
