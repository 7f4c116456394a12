"""Export a run's per-trial table (:func:`frontdesk.eval.metrics.trial_table`) as CSV, Parquet or JSON lines."""

from __future__ import annotations

from pathlib import Path

from frontdesk.errors import ConfigError
from frontdesk.eval.report import RunView
from frontdesk.eval.store import INFRA_ERRORS, MANIFEST, TRIALS

FORMATS = ("csv", "parquet", "jsonl")
LIST_COLUMNS = ("tags", "failed_components")


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ConfigError("parquet export needs pyarrow: pip install 'frontdesk[parquet]'") from None
    return fmt


def default_path(view: RunView, fmt: str) -> Path:
    # Not "trials.jsonl": that name is the run's own record, which an export must never replace.
    return view.folder / f"trials_table.{fmt}"


def export_trials(view: RunView, fmt: str, path: Path | None = None) -> Path:
    """Write one row per finished trial; lists (tags, failed components) stay lists, except in CSV
    where they are joined with ';'."""
    check_format(fmt)
    path = path or default_path(view, fmt)
    if path.resolve().parent == view.folder.resolve() and path.name in {TRIALS, MANIFEST, INFRA_ERRORS}:
        raise ConfigError(f"{path} is one of the run's own files; choose another --out")
    frame = view.trials
    if fmt == "csv":
        frame = frame.assign(**{c: frame[c].map(";".join) for c in LIST_COLUMNS})
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True)
    return path
