"""Facts about the sample exports that the command line needs without loading the generator (numpy, Arrow)."""

from datetime import date

# The last day of the sample data: fixed, so that the same seed gives the same files on any day.
DEFAULT_END_DATE = date(2026, 10, 31)
