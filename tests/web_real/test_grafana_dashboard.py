"""The Grafana dashboard against Grafana's own dashboard schema.

No Grafana server can be installed here (Debian does not package it, and
neither PyPI nor npm ships one), so the dashboard was never loaded into a
Grafana. What is checked instead: Grafana's published schema for dashboard
JSON, the TypeScript types of @grafana/schema (npm, generated from Grafana's
CUE schema), with the TypeScript compiler, both pinned in
tests/web_real/grafana/package.json and installed by `.ci/run` (`npm ci`).
The JSON becomes an object literal typed as the schema's `Dashboard`, so a
key Grafana does not know, a missing required one or a value of the wrong
type or enum fails; each panel's `options` is checked against its panel
type's own `Options`. Not checked: the PromQL (the real Prometheus in
test_prometheus.py runs every query), how Grafana renders it, and
`__inputs`, which is the export wrapper's, not the dashboard's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "docs" / "prometheus" / "grafana-dashboard.json"
NODE_MODULES = REPO / "tests" / "web_real" / "grafana" / "node_modules"
SCHEMA = NODE_MODULES / "@grafana" / "schema" / "dist" / "types"
# Panel types and the module of their options in @grafana/schema (raw/composable/<type>/panelcfg).
PANEL_OPTIONS = ("stat", "table", "bargauge", "timeseries")


def _tsc() -> Path:
    tsc = NODE_MODULES / ".bin" / "tsc"
    if shutil.which("node") is None or not tsc.exists():
        why = "@grafana/schema and typescript not installed (npm ci --prefix tests/web_real/grafana)"
        if os.environ.get("NODEWATCH_REQUIRE_REAL") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return tsc


def _check(dashboard: dict[str, Any], workdir: Path) -> subprocess.CompletedProcess[str]:
    """Type-check the dashboard against the schema; return tsc's result (its stdout names each error)."""
    tsc = _tsc()
    body = {key: value for key, value in dashboard.items() if key != "__inputs"}
    lines = [
        'import type { Dashboard } from "@grafana/schema";',
        *(
            f'import type {{ Options as {kind.capitalize()}Options }} from "{kind}-options";'
            for kind in PANEL_OPTIONS
        ),
        "// The schema's TypeScript enums (ThresholdsMode, …) as the strings a JSON file holds.",
        "type Json<T> = T extends string ? `${T}` : T extends readonly (infer U)[] ? Json<U>[]"
        " : T extends object ? { [K in keyof T]: Json<T[K]> } : T;",
        f"export const dashboard: Json<Dashboard> = {json.dumps(body, indent=2)};",
    ]
    for panel in body.get("panels", []):
        kind = panel.get("type")
        if "options" in panel:
            assert kind in PANEL_OPTIONS, f"panel {panel.get('id')}: no options type known for {kind}"
            lines.append(
                f"export const options_{panel['id']}: Partial<Json<{kind.capitalize()}Options>> ="
                f" {json.dumps(panel['options'], indent=2)};"
            )
    (workdir / "dashboard.ts").write_text("\n".join(lines) + "\n")
    paths = {"@grafana/schema": [str(SCHEMA / "index.d.ts")]}
    for kind in PANEL_OPTIONS:
        panel_config = SCHEMA / "raw" / "composable" / kind / "panelcfg" / "x" / "types.gen.d.ts"
        paths[f"{kind}-options"] = [str(panel_config)]
    config = {
        "compilerOptions": {
            "strict": True,
            "noEmit": True,
            "module": "esnext",
            "moduleResolution": "bundler",
            "target": "es2022",
            "skipLibCheck": True,
            "types": [],
            "paths": paths,
        },
        "files": ["dashboard.ts"],
    }
    (workdir / "tsconfig.json").write_text(json.dumps(config))
    command = [str(tsc), "-p", str(workdir / "tsconfig.json")]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)


def test_the_dashboard_is_what_grafanas_schema_describes(tmp_path):
    result = _check(json.loads(DASHBOARD.read_text()), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_fails_on_what_grafana_would_not_know(tmp_path):
    """The check can fail: a misspelt panel key, an unknown option, a threshold mode Grafana lacks."""
    dashboard = json.loads(DASHBOARD.read_text())
    table = next(panel for panel in dashboard["panels"] if panel["type"] == "table" and "options" in panel)
    table["titel"] = table.pop("title")
    table["options"]["sortByy"] = table["options"].pop("sortBy")
    stat = next(panel for panel in dashboard["panels"] if panel["type"] == "stat")
    stat["fieldConfig"]["defaults"]["thresholds"]["mode"] = "absolut"
    result = _check(dashboard, tmp_path)
    assert result.returncode != 0
    for wrong in ('"titel"', '"sortByy"', '"absolut"'):
        assert wrong in result.stdout, result.stdout
