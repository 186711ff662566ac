"""Portal pages: each module registers its routes with ``@page`` (see portal/routing.py)."""
