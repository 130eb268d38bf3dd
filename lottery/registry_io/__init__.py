"""Registry import/export: CSV and XLSX in, validated frozen rows out; no database access.

Public API::

    import_file(path, kind, *, known_regions=None, known_org_units=None, today=None, sheet=None)
        -> ImportResult
    import_bytes(data, kind, ...)                  -> ImportResult   (same, for uploads)
    export_csv(rows, path); export_xlsx(rows, path, sheet=None)
    public_view(rows)                              -> list[dict]     (no private fields)

The column layouts are in `layouts` and documented in docs/import.md.
"""

from .importer import ImportResult, RowError, import_bytes, import_file
from .layouts import INSPECTORS, ITEMS, LAYOUTS, TARGETS, InspectorRow, ItemRow, Kind, TargetRow
from .writers import export_csv, export_xlsx, public_view

__all__ = [
    "INSPECTORS",
    "ITEMS",
    "LAYOUTS",
    "TARGETS",
    "ImportResult",
    "InspectorRow",
    "ItemRow",
    "Kind",
    "RowError",
    "TargetRow",
    "export_csv",
    "export_xlsx",
    "import_bytes",
    "import_file",
    "public_view",
]
