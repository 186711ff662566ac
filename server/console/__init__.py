"""The staff console's own reads: the figures its home page opens with."""

from server.console.overview import Overview, overview  # noqa: F401  (the package's verbs)
