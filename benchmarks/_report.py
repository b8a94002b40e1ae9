"""Write a benchmark's markdown table to ``benchmarks/results/`` with the machine.

Every script in this folder prints its table and, through :func:`write`, saves it
as ``benchmarks/results/<name>.md`` headed by the command that produced it and a
description of the machine (CPU cores, torch threads, torch version, device, date),
so that a figure quoted in the README can be traced to a run.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

import torch

__all__ = ["machine", "write"]

RESULTS = Path(__file__).resolve().parent / "results"


def machine(device: str = "cpu") -> str:
    """One line describing where the figures were measured."""
    parts = [
        f"{platform.processor() or platform.machine()}",
        f"{os.cpu_count()} CPU cores",
        f"torch threads: {torch.get_num_threads()}",
        f"Python {platform.python_version()}",
        f"torch {torch.__version__}",
    ]
    if device.startswith("cuda") and torch.cuda.is_available():
        parts.append(torch.cuda.get_device_name(torch.device(device)))
    else:
        parts.append("device cpu")
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        parts.append(f"load average {load}")
    except OSError:
        pass
    return "; ".join(parts)


def write(name: str, lines: list[str], device: str = "cpu", notes: str = "") -> Path:
    """Save ``lines`` (a markdown table) as ``results/<name>.md`` and return its path."""
    RESULTS.mkdir(exist_ok=True)
    today = datetime.date.today().isoformat()
    command = "python " + " ".join([f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])
    text = [f"# {name}", "", f"`{command}` — {today}", "", f"Machine: {machine(device)}.", ""]
    if notes:
        text += [notes, ""]
    path = RESULTS / f"{name}.md"
    path.write_text("\n".join(text + lines) + "\n", encoding="utf-8")
    print(f"written {path}")
    return path
