"""The static publisher: public export in, MkDocs Material site out (issue #4).

It reads only the public export (docs/export.md), never the database, so nothing confidential
can reach the site by construction, and anyone can rebuild the site from the export.
"""
