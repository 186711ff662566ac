"""The staff console's own API: the figures of its home page."""
