"""Haven's anonymisation engine: k-anonymity by multidimensional generalisation (pure Python + numpy).

Usage::

    table = read_csv("cases.csv")
    hierarchies = load_hierarchies("hierarchies/", ["gender", "citizenship"])
    result = anonymise(table, qi=["year", "gender", "citizenship"], hierarchies=hierarchies, k=11,
                       max_suppression=0.05)
    write_csv("release.csv", result)
    result.report()   # k, rows_in, rows_out, suppressed, gcp, seconds

Large files: `haven.evidence.anonymise.columnar` (`read_table`, `anonymise_table`, `write_table_csv`) gives
the same release and the same file through pyarrow columns; it is imported only where it is used.
"""

from haven.evidence.anonymise.csvio import csv_text, neutralise_cell, read_csv, write_csv
from haven.evidence.anonymise.engine import AnonymisationResult, anonymise
from haven.evidence.anonymise.errors import AnonymisationInputError
from haven.evidence.anonymise.hierarchy import (
    Hierarchy,
    hierarchy_from_rows,
    load_hierarchies,
    load_hierarchy,
    write_hierarchy,
)

__all__ = [
    "AnonymisationInputError",
    "AnonymisationResult",
    "Hierarchy",
    "anonymise",
    "csv_text",
    "hierarchy_from_rows",
    "load_hierarchies",
    "load_hierarchy",
    "neutralise_cell",
    "read_csv",
    "write_csv",
    "write_hierarchy",
]
