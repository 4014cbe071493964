"""Builds the meshcast package (the metadata is in pyproject.toml).

A plain build (``pip install ./client/python``) is the pure-Python client. With
``MESHCAST_BUNDLE=1`` (``scripts/wheel.sh``) it is a platform wheel that also carries the
``meshcast-relay`` binary, which setuptools-rust builds with ``cargo build --release`` (reusing
the release build in the same target folder), as ``meshcast/bin/meshcast-relay``, and the built
browser page (trunk's ``dist/``, or ``$MESHCAST_DIST``) as ``meshcast/page/``. See
docs/python-wheel.md for why setuptools-rust rather than maturin.
"""

import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

REPO = Path(__file__).resolve().parents[2]


class PageMissing(FileNotFoundError):
    """The built browser page to bundle is not there."""


def built_page() -> Path:
    """The built browser page: ``$MESHCAST_DIST``, else ``dist/`` of the repository."""
    page = Path(os.environ.get("MESHCAST_DIST") or REPO / "dist")
    if not (page / "index.html").is_file():
        raise PageMissing(
            f"{page / 'index.html'} missing: build the page with `trunk build --release` in the repository "
            "(or set MESHCAST_DIST to trunk's output folder)"
        )
    return page


class BuildPyWithPage(build_py):
    """Copies the built page into the package as ``meshcast/page/``."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "meshcast" / "page"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(built_page(), target)


class WheelForAnyPython(bdist_wheel):
    """Tags the wheel ``py3-none-PLATFORM``: the relay is a program, not an extension module, so
    one wheel serves every Python 3 on that platform."""

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


if os.environ.get("MESHCAST_BUNDLE") == "1":
    from setuptools_rust import Binding, RustExtension, Strip

    setup(
        rust_extensions=[
            RustExtension(
                {"meshcast-relay": "meshcast.bin.meshcast-relay"},
                path=str(REPO / "relay" / "Cargo.toml"),
                binding=Binding.Exec,
                args=["--locked"],
                strip=Strip.All,
            )
        ],
        cmdclass={"build_py": BuildPyWithPage, "bdist_wheel": WheelForAnyPython},
        # Apart from a plain build's build/, so that neither leaves files in the other's wheel.
        options={"build": {"build_base": "build/bundled"}},
        zip_safe=False,
    )
else:
    setup()
