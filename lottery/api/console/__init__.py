"""The staff console (简体中文): server-rendered pages on the API's app and service layer.

Templates (Jinja2, autoescaped) live in ``templates/``, the one stylesheet in ``static/``. The
pages call the same service functions as the JSON API and add no business logic: the modules
here only read what a page shows (:mod:`.views`), word it in Chinese (:mod:`.words`), check
the console session and its CSRF token (:mod:`.session`) and render (:mod:`.render`).
docs/console.md describes the pages.
"""
