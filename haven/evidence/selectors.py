"""Reads of the evidence app: budgets, stored releases and exports, shaped for pages, the API and the brief.

Everything here comes from stored, privacy-protected releases; nothing reads case data.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from haven.evidence.models import DEFAULT_DATASET, DEFAULT_TOTAL_EPSILON, DpRelease, Export, PrivacyLedger


@dataclass(frozen=True)
class BudgetStatus:
    dataset: str
    total: float
    spent: float

    @property
    def remaining(self) -> float:
        """ε still available (never negative)."""
        return max(0.0, self.total - self.spent)


def budget_status(dataset: str = DEFAULT_DATASET) -> BudgetStatus:
    """The dataset's privacy budget: total, spent and remaining ε (default total before the first release)."""
    ledger = PrivacyLedger.objects.filter(dataset=dataset).first()
    if ledger is None:
        return BudgetStatus(dataset, DEFAULT_TOTAL_EPSILON, 0.0)
    spent = float(ledger.releases.aggregate(s=Sum("epsilon"))["s"] or 0.0)
    return BudgetStatus(dataset, ledger.total_epsilon, spent)


def releases(dataset: str = DEFAULT_DATASET) -> QuerySet[DpRelease]:
    """Stored releases of a dataset, newest first."""
    return DpRelease.objects.filter(ledger__dataset=dataset).select_related("ledger")


def exports() -> QuerySet[Export]:
    """Export records, newest first."""
    return Export.objects.all()


@dataclass(frozen=True)
class Cell:
    labels: tuple[str, ...]
    count: int
    suppressed: bool

    @property
    def label(self) -> str:
        """The cell's values joined for display."""
        return " · ".join(self.labels)


# Up to this many cells a table shows every cell, "fewer than 5" ones included; beyond, only the cells
# with a published count (the others are summed up in one line).
SMALL_TABLE_CELLS = 60


def cell_count(release: DpRelease) -> int:
    """Number of cells in the release's table."""
    return len(release.counts)


def release_cells(release: DpRelease, *, every_cell: bool | None = None) -> list[Cell]:
    """The cells of a release to show, in domain order.

    A small table shows every cell; a large one only the cells with a published count, since most of its
    cells are empty or below the threshold (`hidden_cells` says how many were left out of the list).
    """
    show_all = cell_count(release) <= SMALL_TABLE_CELLS if every_cell is None else every_cell
    suppressed = set(release.suppressed)
    cells = []
    for index, labels in enumerate(itertools.product(*release.domains)):
        count = int(release.counts[index])
        if show_all or count:
            cells.append(Cell(tuple(labels), count, index in suppressed))
    return cells


def hidden_cells(release: DpRelease) -> int:
    """Cells of a large table not listed by `release_cells` (published as 0 or fewer than the threshold)."""
    if cell_count(release) <= SMALL_TABLE_CELLS:
        return 0
    return sum(1 for count in release.counts if not count)


def release_rows(release: DpRelease) -> list[dict[str, str]]:
    """Every cell of a release as a CSV row: its column values, the count, and a note for small cells."""
    note = f"fewer than {release.threshold}"
    return [
        {
            **dict(zip(release.by, cell.labels, strict=True)),
            "count": str(cell.count),
            "note": note if cell.suppressed else "",
        }
        for cell in release_cells(release, every_cell=True)
    ]


def key_ids_in_use() -> list[str]:
    """The noise key id of every stored release (`haven keys gc` keeps these keys)."""
    return list(DpRelease.objects.exclude(noise_key_id="").values_list("noise_key_id", flat=True))
