"""The staff console under ``/staff``: pages for the loyalty team, on the portal's own machinery.

A console page is a portal page with a role (``portal.staff.nav.staff_page``): the same Visit,
templates, CSRF, sessions and in-process GraphQL. Pages live in ``portal/staff/pages/``, their
templates in ``portal/templates/staff/`` and their GraphQL documents in
``portal/staff/operations/`` (run them with ``visit.run("staff/<name>")``).
"""
