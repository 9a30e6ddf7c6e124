"""Build hook: fetch the dashboard's JavaScript dependencies from the npm registry.

The dashboard ships no third-party files in the repository. ``npm ci`` installs the versions
pinned in ``dashboard/package-lock.json`` and ``npm run build`` copies the browser builds
into ``dashboard/vendor/``, which the service serves. This runs for ``pip install -e .`` as
well as for a wheel. Set ``FOOTFALL_SKIP_NPM=1`` to skip it when ``dashboard/vendor/`` is
already filled (the dashboard does not work without those files).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class DashboardAssetsHook(BuildHookInterface):  # type: ignore[type-arg]
    """Run ``npm ci`` and ``npm run build`` in ``dashboard/``."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        dashboard = Path(self.root) / "dashboard"
        if not (dashboard / "package.json").is_file():
            return
        if os.environ.get("FOOTFALL_SKIP_NPM") == "1":
            return

        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "Node.js and npm are required to install Footfall: the dashboard's JavaScript "
                "dependencies (Chart.js, Luxon) are fetched with npm. Install them first, for "
                "example `apt-get install nodejs npm` on Debian, then run the install again."
            )

        for command in ([npm, "ci", "--no-audit", "--no-fund"], [npm, "run", "build"]):
            result = subprocess.run(command, cwd=dashboard, check=False)  # noqa: S603
            if result.returncode != 0:
                raise RuntimeError(
                    f"`{' '.join(command[1:])}` failed in {dashboard} with exit code "
                    f"{result.returncode}; see npm's output above"
                )
