"""Every package states its public surface: a sorted ``__all__`` of names that exist."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "cabin",
    "cabin.store",
    "cabin.ui",
    "fhir_bridge",
    "hardware",
    "hardware.ble",
    "hardware.ble.bumble_backend",
    "hardware.serial",
    "hardware.sim",
    "services",
    "video",
    "video.portal",
    "vitals",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_package_exports_a_sorted_all_of_real_names(name):
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported == sorted(exported)
    assert len(set(exported)) == len(exported)
    for member in exported:
        assert hasattr(module, member), f"{name}.{member} is listed but missing"


@pytest.mark.parametrize("name", PACKAGES)
def test_public_classes_and_functions_are_exported(name):
    module = importlib.import_module(name)
    public = {
        key
        for key, value in vars(module).items()
        if not key.startswith("_")
        and callable(value)
        and getattr(value, "__module__", "").startswith(name.split(".")[0])
    }
    assert public <= set(module.__all__)
