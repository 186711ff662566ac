"""Every type, field, argument, enum value and input field of the exported schema is described.

Mobile and partner developers read the API through GraphiQL and generated clients, so an
undocumented path is a bug. The failure lists every undocumented path (``Type``,
``Type.field``, ``Type.field(argument)``, ``Enum.VALUE``, ``Input.field``): add a
``description=`` where the path is defined (for enum values of a domain enum, in the
``values=`` of its :func:`schema.enums.described_enum`), then run ``patron export-schema``.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
)

from schema.api import SCHEMA_FILE, get_schema

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def undocumented(schema: GraphQLSchema) -> list[str]:
    """The paths of ``schema`` that carry no (or a blank) description."""
    missing: list[str] = []

    def check(path: str, description: str | None) -> None:
        if not (description or "").strip():
            missing.append(path)

    for name, kind in sorted(schema.type_map.items()):
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        check(name, kind.description)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                check(f"{name}.{field_name}", field.description)
                for arg_name, arg in field.args.items():
                    check(f"{name}.{field_name}({arg_name})", arg.description)
        elif isinstance(kind, GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                check(f"{name}.{field_name}", field.description)
        elif isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                check(f"{name}.{value_name}", value.description)
        else:
            assert isinstance(kind, GraphQLScalarType | GraphQLUnionType), name
    return missing


def test_every_path_of_the_served_schema_is_described() -> None:
    missing = undocumented(get_schema()._schema)

    assert not missing, f"{len(missing)} undocumented schema path(s):\n  " + "\n  ".join(missing)


def test_the_exported_file_keeps_the_descriptions() -> None:
    missing = undocumented(build_schema(SCHEMA_FILE.read_text(encoding="utf-8")))

    assert not missing, f"{len(missing)} undocumented path(s) in schema/schema.graphql:\n  " + "\n  ".join(missing)


def test_dates_name_their_format_for_code_generators() -> None:
    schema = get_schema()._schema

    for name in ("Date", "DateTime"):
        scalar = schema.type_map[name]
        assert isinstance(scalar, GraphQLScalarType)
        assert scalar.specified_by_url == "https://www.rfc-editor.org/rfc/rfc3339#section-5.6", name
    assert '@specifiedBy(url: "https://www.rfc-editor.org/rfc/rfc3339#section-5.6")' in SCHEMA_FILE.read_text()


def test_the_walk_names_an_undocumented_path() -> None:
    """The check itself can fail: a schema with gaps is reported path by path."""
    schema = build_schema(
        '"""Documented."""\ntype Query {\n  """Documented."""\n  a(x: Int): E\n  b: Int\n}\n'
        'enum E {\n  """Documented."""\n  ONE\n  TWO\n}\n'
    )

    assert undocumented(schema) == ["E", "E.TWO", "Query.a(x)", "Query.b"]
