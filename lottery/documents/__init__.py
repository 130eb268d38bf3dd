"""The law's documents of an inspection as PDFs (issue #16; docs/documents.md).

- :mod:`.content`: pure builders, data -> the JSON a template reads (no I/O).
- :mod:`.numbers`: the office's numbering scheme (人防检通〔2026〕12号), pure.
- :mod:`.render`: Typst compile of a fixed template with that JSON -> PDF bytes.

Untrusted strings are never interpolated into Typst markup: the templates under
``templates/`` are fixed files and read their data with ``json(bytes(sys.inputs.data))``.
"""
