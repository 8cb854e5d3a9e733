"""The one exception type the CLI turns into a one-line message (what is wrong, what to do)."""


class CodemendError(Exception):
    """A user-facing failure: bad input, a missing file or checkpoint, an empty corpus."""
