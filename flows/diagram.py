"""Draws the journey as a Mermaid state diagram from the declared transitions."""

from __future__ import annotations

from flows.journey import EDGES


def _node(state: str) -> str:
    return state if state == "[*]" else state.replace(".", "_")


def mermaid() -> str:
    lines = ["stateDiagram-v2"]
    for state in sorted({s for edge in EDGES for s in edge[:2]} - {"[*]"}):
        lines.append(f'    state "{state}" as {_node(state)}')
    for source, target, label in EDGES:
        lines.append(f"    {_node(source)} --> {_node(target)}: {label}")
    return "\n".join(lines) + "\n"
