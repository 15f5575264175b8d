"""Settings, application wiring, update intake, outbox sender and the command line."""

import os

# Opt in to python-telegram-bot's coming behaviour: durations such as RetryAfter.retry_after
# are timedeltas. Without it every such read warns, and our code handles both forms anyway.
os.environ.setdefault("PTB_TIMEDELTA", "true")
