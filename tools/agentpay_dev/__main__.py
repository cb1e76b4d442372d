"""`python -m agentpay_dev ...` is the `agentpay` command (the console script's target)."""

import sys

from agentpay_dev.cli import main

sys.exit(main())
