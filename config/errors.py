"""The `intercoop` command's own error."""


class Abort(Exception):
    """Stop with one readable line (the operator has something to fix)."""
