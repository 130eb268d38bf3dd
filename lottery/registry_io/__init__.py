"""Registry import/export: CSV and XLSX in, validated frozen rows out; no database access.

Public API::

    import_file(path, kind, *, known_regions=None, known_org_units=None, today=None, sheet=None)
        -> ImportResult
    import_stream(fh, kind, ...)                   -> ImportResult   (same, for an upload)
    import_bytes(data, kind, ...)                  -> ImportResult   (same, for small bytes)
    limits_for(kind) -> Limits                     (size limits; lower ones may be passed)
    export_csv(rows, path); export_xlsx(rows, path, sheet=None)
    public_view(rows)                              -> list[dict]     (no private fields)

The column layouts are in `layouts` and documented in docs/import.md.
"""

from .importer import ImportResult, RowError, import_bytes, import_file, import_stream
from .layouts import INSPECTORS, ITEMS, LAYOUTS, TARGETS, InspectorRow, ItemRow, Kind, TargetRow
from .limits import MAX_LISTED_ERRORS, Limits, limits_for, too_large_message
from .writers import export_csv, export_xlsx, public_view

__all__ = [
    "INSPECTORS",
    "ITEMS",
    "LAYOUTS",
    "MAX_LISTED_ERRORS",
    "TARGETS",
    "ImportResult",
    "InspectorRow",
    "ItemRow",
    "Kind",
    "Limits",
    "RowError",
    "TargetRow",
    "export_csv",
    "export_xlsx",
    "import_bytes",
    "import_file",
    "import_stream",
    "limits_for",
    "public_view",
    "too_large_message",
]
