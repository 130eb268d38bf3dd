"""The checks' Chinese sentences, now kept beside the check names in
``lottery/verifier/check_words.py`` so that ``lottery verify --lang zh`` prints the same words as
the site; this module re-exports them for the publisher."""

from __future__ import annotations

from lottery.verifier.check_words import CHECKS_ZH, REFERENCES_ZH, check_zh

__all__ = ["CHECKS_ZH", "REFERENCES_ZH", "check_zh"]
