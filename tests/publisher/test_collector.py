"""The garbage collector's pause around the page steps (publisher/collector.py): always
given back, so a service that builds the site in its own process keeps collecting."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.build import write_pages
from publisher.collector import paused
from publisher.model import load_model


@pytest.fixture
def collecting(no_threads_left: None) -> Iterator[None]:
    """The collector on, in a process running one thread (else there is no pause to test)."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.mark.usefixtures("collecting")
def test_the_collector_is_off_inside_and_on_again_after_an_error() -> None:
    with pytest.raises(ValueError), paused():
        assert not gc.isenabled()
        with paused():  # nested: still off when the inner one ends
            pass
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()


@pytest.mark.usefixtures("collecting")
def test_a_collector_off_before_stays_off() -> None:
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()


@pytest.mark.usefixtures("collecting")
def test_the_page_steps_give_it_back(demo_city: Path, tmp_path: Path) -> None:
    model = load_model(demo_city / "export")
    written = write_pages(model, tmp_path / "docs")
    assert written.count > 10 and gc.isenabled()
