"""How ``%nb2pkg`` shows a plan and a build result: HTML for the notebook, plain text besides."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any


def _cell(value: object) -> str:
    return f"<td>{html.escape(str(value))}</td>"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return (
        f'<table class="nb2pkg-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def _diagnostic_rows(diagnostics: Sequence[Mapping[str, Any]]) -> list[list[object]]:
    return [
        [
            d.get("severity", ""),
            d.get("code", ""),
            d.get("where") or "",
            d.get("message", ""),
            d.get("hint", ""),
        ]
        for d in diagnostics
    ]


def _diagnostics_html(diagnostics: Sequence[Mapping[str, Any]]) -> str:
    if not diagnostics:
        return "<p>No problems found.</p>"
    return "<h4>Diagnostics</h4>" + _table(
        ["severity", "code", "where", "message", "hint"], _diagnostic_rows(diagnostics)
    )


def _diagnostics_text(diagnostics: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for d in diagnostics:
        where = f"{d.get('where')}: " if d.get("where") else ""
        lines.append(f"{where}{d.get('severity')} {d.get('code')}: {d.get('message')}")
        if d.get("hint"):
            lines.append(f"  hint: {d.get('hint')}")
    return lines


def _cell_rows(plan: Mapping[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for cell in plan.get("cells", []):
        role = cell.get("role") or ""
        if cell.get("metrics"):
            role += " + metrics"
        mutates = ", ".join(cell.get("mutates") or [])
        rows.append(
            [
                cell.get("number", ""),
                role,
                cell.get("signature") or cell.get("name") or "",
                cell.get("module") or "",
                mutates,
            ]
        )
    return rows


def render_plan(plan: Mapping[str, Any]) -> dict[str, str]:
    """The plan of ``nb2pkg.frontends.api.analyze_*`` as HTML and plain text."""
    title = f"{plan.get('notebook', '')} → package {plan.get('package', '')}"
    headers = ["cell", "role", "signature", "module", "mutates"]
    rows = _cell_rows(plan)
    parameters = plan.get("parameters") or []
    parts = [f"<h3>{html.escape(title)}</h3>", _table(headers, rows)]
    if parameters:
        parts.append("<h4>run() parameters</h4>")
        parts.append(
            _table(
                ["name", "default", "type"],
                [[p.get("name"), p.get("default"), p.get("annotation") or ""] for p in parameters],
            )
        )
    parts.append(_diagnostics_html(plan.get("diagnostics") or []))
    text = [title, *("  ".join(str(v) for v in row) for row in rows)]
    text += [f"parameter {p.get('name')} = {p.get('default')}" for p in parameters]
    text += _diagnostics_text(plan.get("diagnostics") or [])
    return {"text/html": "".join(parts), "text/plain": "\n".join(text)}


def render_build(result: Mapping[str, Any]) -> dict[str, str]:
    """A build result (``BuildResult.to_json()``) as HTML and plain text."""
    if result.get("ok"):
        if result.get("up_to_date"):
            headline = f"{result.get('package')} {result.get('version')} is up to date."
        else:
            previous = result.get("previous_version")
            change = f" (was {previous}, {result.get('bump')} bump)" if previous else ""
            headline = f"Built {result.get('package')} {result.get('version')}{change} in {result.get('out_dir')}"
    else:
        headline = "The build stopped; nothing was written."
    rows: list[list[object]] = [
        ["package", result.get("package") or ""],
        ["version", result.get("version") or ""],
        ["previous version", result.get("previous_version") or ""],
        ["output", result.get("out_dir") or ""],
    ]
    changes = list(result.get("changes") or [])
    changed_files = list(result.get("changed_files") or [])
    parts = [f"<h3>{html.escape(headline)}</h3>", _table(["", ""], rows)]
    if changes:
        parts.append("<h4>API changes</h4><ul>")
        parts.extend(f"<li>{html.escape(str(c))}</li>" for c in changes)
        parts.append("</ul>")
    if changed_files:
        parts.append("<h4>Changed files</h4>" + _table(["file"], [[f] for f in changed_files]))
    parts.append(_diagnostics_html(result.get("diagnostics") or []))
    text = [headline, *(f"  {c}" for c in changes), *(f"  changed: {f}" for f in changed_files)]
    text += _diagnostics_text(result.get("diagnostics") or [])
    return {"text/html": "".join(parts), "text/plain": "\n".join(text)}
