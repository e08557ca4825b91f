"""Generalisation hierarchies in the ARX layout.

A hierarchy file is a `;`-separated CSV with one row per original value: the value first, then its
generalisations from finest to coarsest. Every row has the same number of cells. When the coarsest column
holds more than one value an implicit root `*` is added above it, so every hierarchy is a single tree.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from haven.evidence.anonymise.errors import AnonymisationInputError

ROOT_LABEL = "*"


@dataclass(frozen=True)
class Hierarchy:
    """A generalisation tree compiled into integer tables.

    Level 0 is the root and level `depth` the original values (leaves). Nodes are identified by their path
    from the root, so a label reused under two parents stays two nodes.
    """

    column: str
    labels: tuple[str, ...]
    # anc[level, leaf] is the node id of the leaf's ancestor at that level (anc[depth] is the leaf node).
    anc: npt.NDArray[np.int32]
    parent: npt.NDArray[np.int32]
    # Position of a node among its parent's children; splits use it as a small bincount key.
    ordinal: npt.NDArray[np.int32]
    max_fanout: int
    leaf_index: dict[str, int] = field(repr=False)

    @property
    def depth(self) -> int:
        """Number of generalisation steps from a leaf to the root."""
        return int(self.anc.shape[0]) - 1

    @property
    def leaves(self) -> tuple[str, ...]:
        """The original values, in file order."""
        return tuple(self.labels[i] for i in self.anc[self.depth])

    def generalise(self, value: str, level: int) -> str:
        """Label of `value` generalised to `level` (0 = root, `depth` = the value itself)."""
        return self.labels[int(self.anc[level, self.leaf_index[value]])]


def hierarchy_from_rows(column: str, rows: Iterable[Sequence[str]]) -> Hierarchy:
    """Compile a hierarchy from rows of [value, generalisation 1, …, coarsest]."""
    cleaned: list[list[str]] = []
    row_numbers: list[int] = []  # each kept row's number in the file (1 = first line), for messages
    for number, raw in enumerate(rows, start=1):
        cells = list(raw)
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            cleaned.append(cells)
            row_numbers.append(number)
    if not cleaned:
        raise AnonymisationInputError(f"hierarchy for column {column!r} is empty")
    width = len(cleaned[0])
    for cells, number in zip(cleaned, row_numbers, strict=True):
        if len(cells) != width:
            # Rows and columns are named, values never quoted: a value may be personal data.
            raise AnonymisationInputError(
                f"hierarchy for column {column!r}: every row must have {width} cells, "
                f"but row {number} has {len(cells)}"
            )
    paths = [list(reversed(cells)) for cells in cleaned]
    if len({p[0] for p in paths}) > 1:
        paths = [[ROOT_LABEL, *p] for p in paths]
    depth = len(paths[0]) - 1

    node_of: dict[tuple[str, ...], int] = {}
    labels: list[str] = []
    parent: list[int] = []
    ordinal: list[int] = []
    children_count: dict[int, int] = {}
    leaf_index: dict[str, int] = {}
    leaf_paths: list[list[int]] = []
    leaf_rows: list[int] = []
    for path, number in zip(paths, row_numbers, strict=True):
        value = path[-1]
        ids: list[int] = []
        for level in range(depth + 1):
            key = tuple(path[: level + 1])
            node = node_of.get(key)
            if node is None:
                node = len(labels)
                node_of[key] = node
                labels.append(path[level])
                up = ids[-1] if ids else -1
                parent.append(up)
                ordinal.append(children_count.get(up, 0))
                children_count[up] = children_count.get(up, 0) + 1
            ids.append(node)
        if value in leaf_index:
            if leaf_paths[leaf_index[value]] != ids:
                first = leaf_rows[leaf_index[value]]
                raise AnonymisationInputError(
                    f"hierarchy for column {column!r}: rows {first} and {number} list the same value "
                    "with different generalisations"
                )
            continue
        leaf_index[value] = len(leaf_paths)
        leaf_paths.append(ids)
        leaf_rows.append(number)

    anc = np.ascontiguousarray(np.array(leaf_paths, dtype=np.int32).T)
    fanout = max((n for up, n in children_count.items() if up >= 0), default=1)
    return Hierarchy(
        column=column,
        labels=tuple(labels),
        anc=anc,
        parent=np.array(parent, dtype=np.int32),
        ordinal=np.array(ordinal, dtype=np.int32),
        max_fanout=max(fanout, 1),
        leaf_index=leaf_index,
    )


def load_hierarchy(path: str | Path, column: str | None = None, sep: str = ";") -> Hierarchy:
    """Load one ARX hierarchy file; the column name defaults to the part after `_hierarchy_`."""
    path = Path(path)
    if column is None:
        match = re.search(r"_hierarchy_(.+)\.csv$", path.name)
        column = match.group(1) if match else path.stem
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return hierarchy_from_rows(column, csv.reader(handle, delimiter=sep))


def load_hierarchies(
    directory: str | Path, columns: Iterable[str], prefix: str | None = None, sep: str = ";"
) -> dict[str, Hierarchy]:
    """Load `<prefix>_hierarchy_<column>.csv` for each column that has one.

    Columns without a file are left out: the engine treats them as numeric and generalises them to ranges.
    Without a prefix, any `*_hierarchy_<column>.csv` matches, and more than one match is an error.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise AnonymisationInputError(f"hierarchy directory {str(directory)!r} does not exist")
    found: dict[str, Hierarchy] = {}
    for column in columns:
        if prefix is not None:
            candidates = [directory / f"{prefix}_hierarchy_{column}.csv"]
            candidates = [c for c in candidates if c.is_file()]
        else:
            candidates = sorted(directory.glob(f"*_hierarchy_{glob_escape(column)}.csv"))
        if len(candidates) > 1:
            names = ", ".join(c.name for c in candidates)
            raise AnonymisationInputError(
                f"several hierarchy files match column {column!r} ({names}): pass a prefix"
            )
        if candidates:
            found[column] = load_hierarchy(candidates[0], column=column, sep=sep)
    return found


def glob_escape(text: str) -> str:
    """Escape glob metacharacters so a column name matches only itself."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def write_hierarchy(path: str | Path, rows: Iterable[Sequence[str]], sep: str = ";") -> None:
    """Write hierarchy rows in the ARX layout (used to ship synthetic hierarchies with test data)."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=sep, lineterminator="\n")
        for row in rows:
            writer.writerow(row)
