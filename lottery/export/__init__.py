"""The public export as files: writing it, reading it back, and the holiday data a reader needs."""
