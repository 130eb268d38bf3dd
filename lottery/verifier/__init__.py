"""The public's verifier without the command-line framework: open an export, run the audit,
say the result in English or Chinese.

``lottery verify`` (``lottery/cli/verify_cmd.py``) and the single-file verifier
``lottery-verify.pyz`` the site ships (:mod:`lottery.verifier.standalone`, docs/verifier.md)
both run this code. It needs the standard library plus the pure-Python packages the core
uses (``rfc8785``, ``py_ecc``; no holiday calendar: deadlines are checked with the log's own
``calendar`` records); PyNaCl is used when installed
(:mod:`lottery.core.ed25519`).
"""
