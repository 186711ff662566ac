"""The member portal: Starlette routes and Jinja2 templates over the in-process GraphQL schema."""
