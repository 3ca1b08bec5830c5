"""The exam clock's shared constants (imported by services and by the disclosure gate)."""

from datetime import timedelta

# A save that set off before the deadline may arrive a little after it.
SAVE_GRACE = timedelta(seconds=30)
