"""``lottery publish``: build the static site from the public export."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer


def publish_command(
    export: Annotated[Path, typer.Option(help="The public export directory.")],
    out: Annotated[Path, typer.Option(help="Where to write the site.")] = Path("site"),
    witness: Annotated[
        list[str] | None,
        typer.Option(
            help="Witness key (type 0x04 vkey) the in-browser verifier checks; repeatable."
        ),
    ] = None,
    quorum: Annotated[
        int | None, typer.Option(help="Witnesses that must agree (default: all given).")
    ] = None,
    cache: Annotated[
        bool,
        typer.Option(
            help="Keep the verified-state cache beside the site (<out>.cache) and rebuild "
            "only what changed; the site is built beside and swapped in."
        ),
    ] = True,
) -> None:
    """Audit the export, then build the MkDocs Material site from it alone (the office's
    name and contact for 关于本站 from LOTTERY_OFFICE_*, docs/site.md; the witnesses the
    in-browser verifier checks from --witness, docs/browser-verifier.md)."""
    from lottery.service.site_publishing import office_from_settings
    from lottery.settings import get_settings
    from publisher.build import build_site
    from publisher.site_cache import build_beside, cache_for

    office = office_from_settings(get_settings())

    # The Markdown pages are written beside the site, not in the package's folder: two
    # publications of two sites at once (the test suite's workers) must not share one.
    work = out.with_name(out.name + ".work")

    def build(target: Path, state: Path | None = None) -> int:
        try:
            return build_site(
                export,
                target,
                work=work,
                office=office,
                witnesses=witness or [],
                quorum=quorum,
                cache=state,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)

    if cache:
        state = cache_for(out)
        count = build_beside(out, lambda partial: build(partial, state), state)
    else:
        count = build(out)
    typer.echo(f"site built in {out} ({count} pages, export copied to {out / 'export'})")


def serve_site_command(
    site: Annotated[Path, typer.Argument(help="A built site directory.")],
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8000,
) -> None:
    """Serve a built site as a static host should: the export with C2SP media types."""
    from lottery.core.errors import InputError
    from publisher.serve import make_server

    if not (site / "index.html").is_file():
        raise InputError(f"{site} is not a built site (no index.html)")
    server = make_server(site, host, port)
    typer.echo(f"serving {site} on http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def register(app: typer.Typer) -> None:
    """Add ``lottery publish`` and ``lottery serve-site`` to ``app``."""
    app.command("publish")(publish_command)
    app.command("serve-site")(serve_site_command)
