"""Build the firmware core as a host shared library for the replay (CMake, system compiler).

The library is built from the same C sources as the device firmware. Its cache
folder is named after a hash of those sources, so an edited source file leads
to a fresh build and an unchanged tree reuses the last one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["CORE_SOURCE_DIR", "BuildError", "build_library", "locate_library"]

REPO_ROOT = Path(__file__).resolve().parents[3]
CORE_SOURCE_DIR = REPO_ROOT / "firmware" / "lib" / "footfall_core"
CMAKE_TARGET = "footfall_core_shared"
LIBRARY_STEM = "footfall_core"


class BuildError(RuntimeError):
    """The core library could not be found or built."""


def _library_file_name() -> str:
    if sys.platform == "darwin":
        return f"lib{LIBRARY_STEM}.dylib"
    if sys.platform == "win32":
        return f"{LIBRARY_STEM}.dll"
    return f"lib{LIBRARY_STEM}.so"


def _source_digest(source_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(source_dir.rglob("*")):
        if path.is_file() and path.suffix in {".c", ".h", ".txt", ".cmake"}:
            digest.update(str(path.relative_to(source_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_root() -> Path:
    configured = os.environ.get("FOOTFALL_CORE_BUILD_DIR")
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "footfall" / "core"


def build_library(source_dir: Path = CORE_SOURCE_DIR, build_root: Path | None = None) -> Path:
    """Configure and build the core's shared library, returning its path."""
    if not (source_dir / "CMakeLists.txt").is_file():
        raise BuildError(
            f"no CMakeLists.txt in {source_dir}: "
            "the firmware core sources are missing from this checkout"
        )
    cmake = shutil.which("cmake")
    if cmake is None:
        raise BuildError(
            "cmake was not found on PATH; install CMake (3.16 or newer) to build the firmware core"
        )

    root = build_root if build_root is not None else _cache_root()
    build_dir = root / _source_digest(source_dir)
    library = build_dir / _library_file_name()
    if library.is_file():
        return library

    # Two test processes may ask at once: the lock makes the second wait for
    # the first build instead of running CMake in the same folder.
    build_dir.mkdir(parents=True, exist_ok=True)
    with (root / f"{build_dir.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if library.is_file():
            return library
        return _run_cmake(cmake, source_dir, build_dir)


def _run_cmake(cmake: str, source_dir: Path, build_dir: Path) -> Path:
    steps = [
        [cmake, "-S", str(source_dir), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release"],
        [cmake, "--build", str(build_dir), "--target", CMAKE_TARGET, "--parallel", "2"],
    ]
    for command in steps:
        # The command is cmake from PATH with arguments built here, never user text.
        completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if completed.returncode != 0:
            raise BuildError(
                f"building the firmware core failed at `{' '.join(command)}` "
                f"(exit code {completed.returncode}):\n"
                f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
            )

    found = next(iter(sorted(build_dir.rglob(_library_file_name()))), None)
    if found is None:
        raise BuildError(
            f"the build in {build_dir} finished without producing {_library_file_name()}; "
            f"check that the CMake target {CMAKE_TARGET} builds a shared library"
        )
    return found


def locate_library() -> Path:
    """Return the core library: FOOTFALL_CORE_LIBRARY when set, else a cached or fresh build."""
    configured = os.environ.get("FOOTFALL_CORE_LIBRARY")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise BuildError(f"FOOTFALL_CORE_LIBRARY={configured} does not name an existing file")
        return path
    return build_library()
