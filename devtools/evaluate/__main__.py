"""`python -m devtools.evaluate`: see devtools/evaluate/run.py."""

import sys

from devtools.evaluate.run import main

sys.exit(main())
