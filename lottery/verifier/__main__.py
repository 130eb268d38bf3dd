"""``python -m lottery.verifier``: the single-file verifier's entry point, also in a checkout."""

import sys

from lottery.verifier.standalone import main

sys.exit(main())
