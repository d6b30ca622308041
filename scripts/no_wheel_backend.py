"""billing-admin's build backend: setuptools for editable installs only, no wheel, no sdist.

Named in pyproject.toml (`backend-path = ["scripts"]`). The packages are called `app` and
`ui`: installed into a site-packages they would collide with any other project's `app`, and
the repository keeps them at its top level. So a wheel or an sdist (`pip wheel .`,
`pip install .`, `python -m build`) stops at once with one sentence pointing at the desktop
bundle; `pip install -e .`, which `make venv` uses for development, is setuptools' own.
"""

from __future__ import annotations

from typing import Any

from setuptools import build_meta as _setuptools

REFUSAL = (
    "billing-admin is not published as a wheel or sdist (its packages 'app' and 'ui' would "
    "collide with other projects' in site-packages): build the desktop bundle with 'make "
    "dist', or use 'make setup' (an editable install) for development."
)

# Editable installs (PEP 660) and their metadata: setuptools, unchanged.
get_requires_for_build_editable = _setuptools.get_requires_for_build_editable
prepare_metadata_for_build_editable = _setuptools.prepare_metadata_for_build_editable
build_editable = _setuptools.build_editable


def _refuse(*_args: Any, **_kwargs: Any) -> Any:
    raise SystemExit(f"error: {REFUSAL}")


get_requires_for_build_wheel = _refuse
prepare_metadata_for_build_wheel = _refuse
build_wheel = _refuse
get_requires_for_build_sdist = _refuse
build_sdist = _refuse
