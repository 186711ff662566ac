"""Remember each query text's validation result, keyed by the text itself.

strawberry's ``ValidationCache`` keys its LRU on the parsed document, and graphql-core hashes a
document by walking its whole tree: for the dashboard query that walk cost more than the SQL
of a statement, on every request. The text is hashed once by Python and kept with the string;
the document is a pure function of it (``ParserCache`` maps the same text to the same tree),
so the answer is the same. Bounded, so unique texts from a hostile client cannot grow memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

MAXSIZE = 512
_results: OrderedDict[tuple[int, str, tuple[Any, ...]], list[Any]] = OrderedDict()


class QueryTextValidationCache(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        from strawberry.schema.schema import validate_document

        context = self.execution_context
        schema = context.schema._schema
        rules = tuple(context.validation_rules)
        if context.query is None:
            context.pre_execution_errors = validate_document(schema, context.graphql_document, rules)
            yield
            return
        key = (id(schema), context.query, rules)
        errors = _results.get(key)
        if errors is None:
            errors = validate_document(schema, context.graphql_document, rules)
            _results[key] = errors
            if len(_results) > MAXSIZE:
                _results.popitem(last=False)
        else:
            _results.move_to_end(key)
        context.pre_execution_errors = errors
        yield
