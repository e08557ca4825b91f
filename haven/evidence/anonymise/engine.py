"""Multidimensional k-anonymity: a top-down Mondrian over integer-coded columns.

Every active partition is split in the same pass ("level-synchronous"), so the work per pass is a handful
of numpy operations over all active rows rather than Python code per partition. A partition's value for a
hierarchical quasi-identifier is the lowest common ancestor (LCA) of its rows' values; a split on that
attribute follows the LCA's children. Children with fewer than k rows are pooled into one remainder group
(which keeps the LCA as its value); a remainder still smaller than k is merged into the smallest large
child or, when that helps and the budget allows, suppressed. Numeric attributes without a hierarchy split
at the median (strict partitioning) and are released as "min-max" ranges.

Every group a split creates has at least k rows, so every released combination describes at least k rows.

Rows with the same quasi-identifier codes can never be parted, so the splits run on the distinct
combinations of codes, each weighted by its number of rows; leaves are numbered in tree order, so a
partition's LCA is that of its smallest and largest leaf. Columns come in as `EncodedColumn`s (distinct
values and a code per row): from Python lists here, or straight from Arrow in `columnar.py`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from haven.evidence.anonymise.errors import AnonymisationInputError
from haven.evidence.anonymise.hierarchy import Hierarchy

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

Rows = Sequence[Mapping[str, str]]
Columns = Mapping[str, Sequence[str]]

# A remainder is suppressed only when the information the staying rows gain in the next split is at least
# this many times what the suppressed rows lose. On Adult (k = 10, 5% allowed) 2 gave the lowest GCP:
# 1 suppressed twice as many rows for a worse GCP, 4 and more left GCP close to no suppression at all.
SUPPRESSION_MIN_GAIN = 2.0

# Medians of a numeric attribute come from a (partition x distinct value) histogram while that stays small,
# and from one sort of the active rows otherwise.
HISTOGRAM_CELLS_MAX = 20_000_000


@dataclass
class AnonymisationResult:
    """The released table and a report of what the release cost."""

    fieldnames: list[str]
    columns: dict[str, list[str]]
    qi: list[str]
    k: int
    max_suppression: float
    rows_in: int
    rows_out: int
    suppressed: int
    gcp: float
    seconds: float
    partitions: int
    kept_index: IntArray = field(repr=False)

    @property
    def rows(self) -> list[dict[str, str]]:
        """The released rows as dictionaries (built on demand: large releases should use `columns`)."""
        names = self.fieldnames
        return [dict(zip(names, values, strict=True)) for values in zip(*self.columns.values(), strict=True)]

    def report(self) -> dict[str, Any]:
        """The figures that describe the release, for logs, the evidence ledger and benchmarks."""
        return release_report(self)


@dataclass
class _HierDim:
    name: str
    h: Hierarchy
    codes: npt.NDArray[np.int32]  # each row's leaf, numbered in tree order (see `anc`)
    # anc[level, code]: the ancestor at that level of the leaf numbered `code`. Leaves are numbered so that
    # every subtree's leaves are consecutive.
    anc: npt.NDArray[np.int32]
    ordinal_anc: IntArray  # ordinal_anc[level, code]: that ancestor's position among its parent's children
    leafcount: FloatArray  # leaves present in the data under each node
    denom: float


@dataclass
class _NumDim:
    name: str
    codes: npt.NDArray[np.int32]
    values: FloatArray  # code -> value, ascending
    span: float


_Dim = _HierDim | _NumDim


def _as_columns(data: Rows | Columns) -> tuple[list[str], Columns, int]:
    if isinstance(data, Mapping):
        names = list(data.keys())
        lengths = {len(data[name]) for name in names}
        if len(lengths) > 1:
            raise AnonymisationInputError("all columns must have the same number of values")
        return names, data, lengths.pop() if lengths else 0
    rows = list(data)
    if not rows:
        return [], {}, 0
    names = list(rows[0].keys())
    columns: dict[str, list[str]] = {}
    for name in names:
        try:
            columns[name] = [row[name] for row in rows]
        except KeyError:
            missing_at = next(i for i, row in enumerate(rows) if name not in row)
            raise AnonymisationInputError(f"row {missing_at} has no column {name!r}") from None
    return names, columns, len(rows)


def _validate(k: int, max_suppression: float, qi: Sequence[str], names: Sequence[str]) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise AnonymisationInputError(f"k must be an integer, got {k!r}")
    if k < 2:
        raise AnonymisationInputError(f"k must be at least 2, got {k}")
    if not isinstance(max_suppression, int | float) or not (0.0 <= float(max_suppression) < 1.0):
        raise AnonymisationInputError(f"max_suppression must be in [0, 1), got {max_suppression!r}")
    if not qi:
        raise AnonymisationInputError("at least one quasi-identifier is needed")
    if len(set(qi)) != len(qi):
        raise AnonymisationInputError("a quasi-identifier is listed twice")
    unknown = [c for c in qi if c not in names]
    if unknown:
        raise AnonymisationInputError(
            f"unknown column {unknown[0]!r}; the data has columns: {', '.join(names)}"
        )


@dataclass
class EncodedColumn:
    """A column as its distinct values and, per row, the position of the row's value among them.

    The engine works on integer codes; a columnar reader hands a column over in this form without a
    Python string per row (a dictionary-encoded Arrow column is exactly this).
    """

    distinct: Sequence[str]
    index: npt.NDArray[np.int32]

    @classmethod
    def of(cls, values: Sequence[str]) -> EncodedColumn:
        """Encode a column of Python strings (one dictionary look-up per row)."""
        if isinstance(values, np.ndarray):
            values = values.tolist()
        distinct = list(set(values))
        position = {value: i for i, value in enumerate(distinct)}
        index = np.fromiter(map(position.__getitem__, values), dtype=np.int32, count=len(values))
        return cls(distinct, index)


def _row_of(column: EncodedColumn, wanted: set[str]) -> str:
    """Where the first of `wanted` stands, as a spreadsheet shows a CSV: the header is row 1."""
    ids = [i for i, value in enumerate(column.distinct) if value in wanted]
    hits = np.flatnonzero(np.isin(column.index, np.array(ids, dtype=np.int32)))
    return f"row {int(hits[0]) + 2}" if hits.size else "a row"


def _encode_hier(name: str, column: EncodedColumn, h: Hierarchy) -> _HierDim:
    missing = [v for v in column.distinct if v not in h.leaf_index]
    if missing:
        # Named by its row, never quoted: a cell's value may be personal data.
        more = f" (and {len(missing) - 1} other values)" if len(missing) > 1 else ""
        raise AnonymisationInputError(
            f"{_row_of(column, set(missing))}, column {name!r}: the value is missing from the column's "
            f"hierarchy{more}"
        )
    lookup = h.leaf_index
    leaf_of = np.array([lookup[v] for v in column.distinct], dtype=np.int32)
    present = np.zeros(len(lookup), dtype=bool)
    present[leaf_of[np.bincount(column.index, minlength=len(leaf_of)) > 0]] = True
    n_nodes = len(h.labels)
    leafcount = np.zeros(n_nodes, dtype=np.float64)
    for level in range(h.depth + 1):
        leafcount += np.bincount(h.anc[level][present], minlength=n_nodes)
    # Tree order: leaves sorted by their path of node ids from the root.
    tree_order = np.lexsort(h.anc[::-1]).astype(np.int32)
    rank = np.empty_like(tree_order)
    rank[tree_order] = np.arange(tree_order.size, dtype=np.int32)
    codes = rank[leaf_of][column.index]
    anc = np.ascontiguousarray(h.anc[:, tree_order])
    ordinal_anc = h.ordinal[anc].astype(np.int64)
    return _HierDim(name, h, codes, anc, ordinal_anc, leafcount, float(present.sum() - 1))


def _encode_num(name: str, column: EncodedColumn) -> _NumDim:
    parsed: list[float] = []
    for text in column.distinct:
        try:
            number = float(text)
        except (TypeError, ValueError):
            number = math.nan
        parsed.append(number)
    bad = {text for text, number in zip(column.distinct, parsed, strict=True) if not math.isfinite(number)}
    if bad:
        raise AnonymisationInputError(
            f"{_row_of(column, bad)}, column {name!r}: the column has no hierarchy, so it must be "
            "numeric, but this cell is not a number"
        )
    numbers = np.array(parsed, dtype=np.float64)
    uniq = np.unique(numbers)
    code_of = np.searchsorted(uniq, numbers).astype(np.int32)
    codes = code_of[column.index]
    span = float(uniq[-1] - uniq[0]) if len(uniq) else 0.0
    return _NumDim(name, codes, uniq, span)


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass
class _Final:
    """Per-dimension description of the partitions closed in one pass."""

    sizes: list[IntArray] = field(default_factory=list)
    # For a hierarchical dimension the node id; for a numeric one the (low, high) value codes.
    node: dict[int, list[IntArray]] = field(default_factory=dict)
    lo: dict[int, list[IntArray]] = field(default_factory=dict)
    hi: dict[int, list[IntArray]] = field(default_factory=dict)


def _distinct_rows(dims: list[_Dim], n: int) -> tuple[IntArray, IntArray, IntArray]:
    """The distinct combinations of quasi-identifier codes: one row standing for each, every row's
    combination, and how many rows each combination has."""
    key = np.zeros(n, dtype=np.int64)
    span = 1
    for dim in dims:
        card = int(dim.codes.max()) + 1 if n else 1
        if span * card >= 2**62:
            # Keep the combined key small enough for int64: renumber the combinations seen so far.
            _u, key = np.unique(key, return_inverse=True)
            key = key.astype(np.int64)
            span = int(key.max()) + 1
        key = key * card + dim.codes
        span *= card
    _u, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return first.astype(np.int64), inverse.reshape(-1).astype(np.int64), counts.astype(np.int64)


def _mondrian(dims: list[_Dim], n: int, k: int, budget: int) -> tuple[IntArray, _Final, int]:
    """Partition rows 0..n-1; return each row's partition (-1 = suppressed), the partitions and count.

    Rows with the same quasi-identifier codes always stay together, so the work is done on the distinct
    combinations, each weighted by its number of rows: every decision below reads row counts only.
    """
    first, inverse, weight = _distinct_rows(dims, n)
    combos = first.size
    dim_codes = [dim.codes[first] for dim in dims]
    n_dims = len(dims)
    out_part = np.full(combos, -1, dtype=np.int64)
    final = _Final()
    for d, dim in enumerate(dims):
        if isinstance(dim, _HierDim):
            final.node[d] = []
        else:
            final.lo[d] = []
            final.hi[d] = []
    n_final = 0
    suppressed = 0

    rows = np.arange(combos, dtype=np.int64)
    w = weight
    seg = np.zeros(combos, dtype=np.int64)
    n_parts = 1
    max_groups = max([dim.h.max_fanout + 1 for dim in dims if isinstance(dim, _HierDim)] + [2])
    level: dict[int, IntArray] = {}

    def count(keys: IntArray, length: int, weights: FloatArray | None = None) -> IntArray:
        """Rows per key (the weights of the combinations), as exact integers."""
        summed = np.bincount(keys, weights=wf if weights is None else weights, minlength=length)
        return np.rint(summed).astype(np.int64)

    while rows.size:
        wf = w.astype(np.float64)
        sizes = count(seg, n_parts)
        items = np.bincount(seg, minlength=n_parts)
        starts = np.zeros(n_parts, dtype=np.int64)
        np.cumsum(items[:-1], out=starts[1:])
        width = np.zeros((n_parts, n_dims))
        codes_now: dict[int, npt.NDArray[np.int32]] = {}
        node_now: dict[int, IntArray] = {}
        lo_now: dict[int, IntArray] = {}
        hi_now: dict[int, IntArray] = {}

        # Pass 1: each partition's current value (LCA or range) and its normalised width per dimension.
        for d, dim in enumerate(dims):
            c = dim_codes[d][rows]
            codes_now[d] = c
            lo = np.minimum.reduceat(c, starts).astype(np.int64)
            hi = np.maximum.reduceat(c, starts).astype(np.int64)
            if isinstance(dim, _HierDim):
                # Leaves are numbered in tree order, so the LCA of a partition is that of its first and
                # last leaf: the deepest level where their ancestors agree.
                anc = dim.anc
                lv = (anc[:, lo] == anc[:, hi]).sum(axis=0).astype(np.int64) - 1
                level[d] = lv
                node = anc[lv, lo].astype(np.int64)
                node_now[d] = node
                if dim.denom > 0:
                    width[:, d] = (dim.leafcount[node] - 1.0) / dim.denom
            else:
                lo_now[d], hi_now[d] = lo, hi
                if dim.span > 0:
                    width[:, d] = (dim.values[hi] - dim.values[lo]) / dim.span
        row_loss = width.mean(axis=1)

        # Pass 2: candidate split per dimension, with and without suppressing a too-small remainder.
        score_clean = np.full((n_parts, n_dims), -1.0)
        score_supp = np.full((n_parts, n_dims), -1.0)
        supp_rows = np.zeros((n_parts, n_dims), dtype=np.int64)
        supp_ratio = np.full((n_parts, n_dims), np.inf)
        keys: dict[int, npt.NDArray[Any]] = {}
        gmap_clean: dict[int, IntArray] = {}
        gmap_supp: dict[int, IntArray] = {}
        arange_p = np.arange(n_parts)
        for d, dim in enumerate(dims):
            c = codes_now[d]
            if isinstance(dim, _HierDim):
                lv = level[d]
                fan = dim.h.max_fanout
                # A partition whose value is already a leaf has one child: it cannot split on this
                # dimension (its score stays -1), so only the rows of the other partitions are looked at.
                splittable = lv < dim.h.depth
                if not splittable.any():
                    continue
                if splittable.all():
                    s_seg, s_c, s_wf = seg, c, wf
                    keys[d] = local = dim.ordinal_anc[(lv + 1)[seg], c]
                else:
                    sub = np.flatnonzero(splittable[seg])
                    s_seg, s_c, s_wf = seg[sub], c[sub], wf[sub]
                    local = dim.ordinal_anc[(lv + 1)[s_seg], s_c]
                    keys[d] = np.zeros(rows.size, dtype=np.int64)
                    keys[d][sub] = local
                below_lca = (lv + 1)[s_seg]
                flat = s_seg * fan + local
                counts = count(flat, n_parts * fan, s_wf).reshape(n_parts, fan)
                big = counts >= k
                small = (counts > 0) & ~big
                n_big = big.sum(axis=1)
                rem = (counts * small).sum(axis=1)
                rank = np.cumsum(big, axis=1) - 1
                rem_ok = rem >= k
                tiny = (rem > 0) & ~rem_ok & (n_big >= 1)
                smallest = np.argmin(np.where(big, counts, np.iinfo(np.int64).max), axis=1)
                base = np.where(big, rank, -1)
                base = np.where(small & rem_ok[:, None], n_big[:, None], base)
                merged = rank[arange_p, smallest]
                gmap_clean[d] = np.where(small & tiny[:, None], merged[:, None], base)
                gmap_supp[d] = np.where(small & tiny[:, None], -1, base)
                score_clean[:, d] = np.where(n_big + rem_ok >= 2, width[:, d], -1.0)
                if budget > 0 and tiny.any() and dim.denom > 0:
                    # Width of the child that stays specific only if the remainder is suppressed.
                    rep = np.zeros(n_parts * fan, dtype=np.int64)
                    rep[flat] = dim.anc[below_lca, s_c]
                    kept_child = rep.reshape(n_parts, fan)[arange_p, smallest]
                    child_width = (dim.leafcount[kept_child] - 1.0) / dim.denom
                    gain = counts[arange_p, smallest] * (width[:, d] - child_width) / n_dims
                    cost = rem * (1.0 - row_loss)
                    worth = tiny & (gain > SUPPRESSION_MIN_GAIN * cost) & (rem <= budget - suppressed)
                    score_supp[:, d] = np.where(worth, width[:, d], -1.0)
                    supp_rows[:, d] = np.where(worth, rem, 0)
                    supp_ratio[:, d] = np.where(worth, cost / np.maximum(gain, 1e-12), np.inf)
            else:
                size_f = sizes
                n_codes = len(dim.values)
                if n_parts * n_codes <= HISTOGRAM_CELLS_MAX:
                    hist = count(seg * n_codes + c, n_parts * n_codes).reshape(n_parts, n_codes)
                    cum = np.cumsum(hist, axis=1)
                    med = np.argmax(cum > ((size_f - 1) // 2)[:, None], axis=1)
                else:
                    # The row at position (size - 1) // 2 of the partition in value order.
                    order = np.argsort(seg * n_codes + c, kind="stable")
                    cum_rows = np.cumsum(w[order])
                    before = cum_rows[starts] - w[order][starts]
                    at = np.searchsorted(cum_rows, before + (size_f - 1) // 2, side="right")
                    med = c[order][at].astype(np.int64)
                med_row = med[seg]
                at_or_below = count(seg, n_parts, np.where(c <= med_row, wf, 0.0))
                below = count(seg, n_parts, np.where(c < med_row, wf, 0.0))
                ok_le = (at_or_below >= k) & (size_f - at_or_below >= k)
                ok_lt = (below >= k) & (size_f - below >= k)
                half = size_f / 2.0
                use_le = ok_le & (~ok_lt | (np.abs(at_or_below - half) <= np.abs(below - half)))
                right = np.where(use_le[seg], c > med_row, c >= med_row)
                keys[d] = right.astype(np.int64)
                score_clean[:, d] = np.where(ok_le | ok_lt, width[:, d], -1.0)

        # Choose the widest allowed dimension; grant suppressions cheapest first within the budget.
        best_clean = score_clean.max(axis=1)
        best_supp = score_supp.max(axis=1)
        use_supp = best_supp > best_clean
        chosen = np.where(use_supp, score_supp.argmax(axis=1), score_clean.argmax(axis=1))
        if use_supp.any():
            cand = np.flatnonzero(use_supp)
            need = supp_rows[cand, chosen[cand]]
            order = np.argsort(supp_ratio[cand, chosen[cand]], kind="stable")
            granted_sorted = np.cumsum(need[order]) <= budget - suppressed
            granted = np.zeros(cand.size, dtype=bool)
            granted[order] = granted_sorted
            refused = cand[~granted]
            use_supp[refused] = False
            chosen[refused] = score_clean[refused].argmax(axis=1)
        splitting = np.where(use_supp, True, score_clean[arange_p, chosen] >= 0.0)

        group = np.zeros(rows.size, dtype=np.int64)
        chosen_row = chosen[seg]
        split_row = splitting[seg]
        for d, dim in enumerate(dims):
            mask = split_row & (chosen_row == d)
            if not mask.any():
                continue
            if isinstance(dim, _HierDim):
                s = seg[mask]
                loc = keys[d][mask]
                gclean = gmap_clean[d][s, loc]
                gsupp = gmap_supp[d][s, loc]
                group[mask] = np.where(use_supp[s], gsupp, gclean)
            else:
                group[mask] = keys[d][mask]

        # Close the partitions that cannot split further.
        closing = ~splitting
        if closing.any():
            closing_ids = np.flatnonzero(closing)
            final_id = np.full(n_parts, -1, dtype=np.int64)
            final_id[closing_ids] = n_final + np.arange(closing_ids.size)
            row_closing = closing[seg]
            out_part[rows[row_closing]] = final_id[seg[row_closing]]
            final.sizes.append(sizes[closing_ids])
            for d, dim in enumerate(dims):
                if isinstance(dim, _HierDim):
                    final.node[d].append(node_now[d][closing_ids])
                else:
                    final.lo[d].append(lo_now[d][closing_ids])
                    final.hi[d].append(hi_now[d][closing_ids])
            n_final += closing_ids.size

        dropped = split_row & (group < 0)
        suppressed += int(w[dropped].sum())
        keep = split_row & (group >= 0)
        if not keep.any():
            break
        key = seg[keep] * max_groups + group[keep]
        order = np.argsort(key, kind="stable")
        rows = rows[keep][order]
        w = w[keep][order]
        key = key[order]
        first_of = np.empty(key.size, dtype=bool)
        first_of[0] = True
        np.not_equal(key[1:], key[:-1], out=first_of[1:])
        seg = np.cumsum(first_of) - 1
        n_parts = int(first_of.sum())

    return out_part[inverse], final, suppressed


@dataclass
class _Release:
    """What the engine decided, before any output column is built."""

    kept: IntArray  # the released rows, in input order
    part: IntArray  # each released row's partition
    # Per quasi-identifier: the labels it may release, and each partition's label among them.
    label_text: dict[str, list[str]]
    label_of: dict[str, IntArray]
    suppressed: int
    gcp: float
    partitions: int


def _release(
    n: int,
    encoded: Mapping[str, EncodedColumn],
    qi: Sequence[str],
    hierarchies: Mapping[str, Hierarchy],
    k: int,
    max_suppression: float,
) -> _Release:
    budget = int(math.floor(float(max_suppression) * n + 1e-9))
    dims: list[_Dim] = []
    for name in qi:
        if name in hierarchies:
            dims.append(_encode_hier(name, encoded[name], hierarchies[name]))
        else:
            dims.append(_encode_num(name, encoded[name]))

    out_part, final, suppressed = _mondrian(dims, n, k, budget)

    sizes = np.concatenate(final.sizes).astype(np.float64)
    n_parts = sizes.size
    loss = np.zeros(n_parts)
    label_text: dict[str, list[str]] = {}
    label_of: dict[str, IntArray] = {}
    for d, dim in enumerate(dims):
        if isinstance(dim, _HierDim):
            node = np.concatenate(final.node[d])
            if dim.denom > 0:
                loss += (dim.leafcount[node] - 1.0) / dim.denom
            label_text[dim.name] = list(dim.h.labels)
            label_of[dim.name] = node
        else:
            lo = np.concatenate(final.lo[d])
            hi = np.concatenate(final.hi[d])
            if dim.span > 0:
                loss += (dim.values[hi] - dim.values[lo]) / dim.span
            text = [_format_number(v) for v in dim.values]
            pairs, which = np.unique(lo * len(text) + hi, return_inverse=True)
            label_text[dim.name] = [
                text[a] if a == b else f"{text[a]}-{text[b]}"
                for a, b in zip((pairs // len(text)).tolist(), (pairs % len(text)).tolist(), strict=True)
            ]
            label_of[dim.name] = which.reshape(-1).astype(np.int64)
    gcp = float((np.dot(sizes, loss / len(dims)) + suppressed) / n)
    kept = np.flatnonzero(out_part >= 0)
    return _Release(kept, out_part[kept], label_text, label_of, suppressed, gcp, n_parts)


def _check_size(n: int, k: int) -> None:
    if n < k:
        raise AnonymisationInputError(f"the data has {n} rows, fewer than k = {k}: nothing can be released")


def anonymise(
    data: Rows | Columns,
    qi: Sequence[str],
    hierarchies: Mapping[str, Hierarchy],
    k: int,
    max_suppression: float = 0.0,
) -> AnonymisationResult:
    """Release `data` so that every combination of quasi-identifier values describes at least k rows.

    `data` is a list of row dictionaries or a mapping of column name to values (strings). Quasi-identifiers
    with a hierarchy are generalised along it; the others must be numeric and become "min-max" ranges.
    At most `max_suppression` × rows are suppressed (left out of the release entirely). Every other column
    is kept as it is. Raises `AnonymisationInputError` (a `ValueError`) for unusable input.
    """
    started = time.perf_counter()
    names, columns, n = _as_columns(data)
    _validate(k, max_suppression, qi, names)
    qi = list(qi)
    k = int(k)
    if n == 0:
        empty: dict[str, list[str]] = {name: [] for name in names}
        return AnonymisationResult(
            names, empty, qi, k, float(max_suppression), 0, 0, 0, 0.0, 0.0, 0, np.zeros(0, dtype=np.int64)
        )
    _check_size(n, k)
    encoded = {name: EncodedColumn.of(columns[name]) for name in qi}
    release = _release(n, encoded, qi, hierarchies, k, max_suppression)

    kept = release.kept
    out: dict[str, list[str]] = {}
    for name in names:
        if name in release.label_text:
            labels = np.array(release.label_text[name], dtype=object)
            out[name] = labels[release.label_of[name][release.part]].tolist()
        elif kept.size == n:
            out[name] = list(columns[name])
        else:
            out[name] = np.asarray(columns[name], dtype=object)[kept].tolist()
    return AnonymisationResult(
        fieldnames=names,
        columns=out,
        qi=qi,
        k=k,
        max_suppression=float(max_suppression),
        rows_in=n,
        rows_out=int(kept.size),
        suppressed=release.suppressed,
        gcp=release.gcp,
        seconds=time.perf_counter() - started,
        partitions=release.partitions,
        kept_index=kept,
    )


def release_report(release: Any) -> dict[str, Any]:
    """The figures of a release (a list-based `AnonymisationResult` or the columnar path's `TableRelease`)."""
    return {
        "k": release.k,
        "max_suppression": release.max_suppression,
        "rows_in": release.rows_in,
        "rows_out": release.rows_out,
        "suppressed": release.suppressed,
        "gcp": release.gcp,
        "seconds": release.seconds,
        "partitions": release.partitions,
        "qi": list(release.qi),
    }
