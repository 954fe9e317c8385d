"""Hand-written SELECTs for the few queries a hot path runs on every call, as model instances.

Django's ORM spends 0.5–1 ms of CPU building and compiling a query that the database answers
in a tenth of that (docs/research/issue16-api-bench.md, section 3); on the IAM API's GetUser
that was most of the call. ``select`` takes a WHERE clause written by hand, with ``%s``
parameters, and returns instances built the way the ORM builds them (every concrete column,
``Model.from_db``, the backend's and the fields' converters), so callers cannot tell them
from a queryset's. Use it only where a benchmark shows the need; everywhere else the ORM reads
better. Column names are the models' own (``field.column``), quoted by the backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model


def _shape(
    connection, model: type[Model], only: tuple[str, ...] | None = None
) -> tuple[str, list[str], list[tuple[int, list]]]:
    """The select list, the attribute names, and each column's converters, for ``model``'s
    concrete fields (or those whose attribute names ``only`` lists, in that order); kept on the
    connection: converters are the backend's."""
    shapes = connection.__dict__.setdefault("_tobira_row_shapes", {})
    shape = shapes.get((model, only))
    if shape is None:
        if only is None:
            fields = model._meta.concrete_fields
        else:
            by_name = {field.attname: field for field in model._meta.concrete_fields}
            fields = [by_name[name] for name in only]
        quote = connection.ops.quote_name
        table = model._meta.db_table
        columns = ", ".join(f"{quote(table)}.{quote(field.column)}" for field in fields)
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(table)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                converters.append((index, [(convert, column) for convert in found]))
        shape = shapes[(model, only)] = (columns, [field.attname for field in fields], converters)
    return shape


def select(
    model: type[Model],
    where: LiteralString,
    params: Sequence,
    *,
    order_by: LiteralString = "",
    limit: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[Model]:
    """``SELECT <model's columns> FROM <its table> WHERE <where> [ORDER BY …] [LIMIT …]``."""
    found = select_with(model, where, params, order_by=order_by, limit=limit, using=using)
    return [instance for instance, _extra in found]


def select_with(
    model: type[Model],
    where: LiteralString,
    params: Sequence,
    *,
    extra: LiteralString = "",
    join: LiteralString = "",
    order_by: LiteralString = "",
    limit: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[tuple[Model, tuple]]:
    """``select``, with ``extra`` columns (from the tables ``join`` adds) after the model's:
    ``[(instance, extra values), ...]``, one pair per row. Qualify column names in ``where``
    and ``order_by`` when ``join`` names another table."""
    connection = connections[using]
    columns, names, converters = _shape(connection, model)
    select_list = f"{columns}, {extra}" if extra else columns
    rows = _fetch(connection, model, select_list, join, where, params, order_by, limit)
    width = len(names)
    return [
        (
            model.from_db(using, names, _converted(list(row[:width]), converters, connection)),
            tuple(row[width:]),
        )
        for row in rows
    ]


def select_related(
    model: type[Model],
    related: tuple[str, ...],
    where: LiteralString,
    params: Sequence,
    *,
    annotate: dict[str, LiteralString] | None = None,
    limit: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[Model]:
    """``select``, with the objects ``related`` names (``"account"``,
    ``"account__organization"``, ``"account__password_policy"``: foreign keys and one-to-one
    fields, forwards or backwards) loaded in the same query and cached on the instances, as
    ``QuerySet.select_related`` does: reading them costs no query, and a missing one (a null
    key, no row on the other side) is cached as missing. Qualify columns in ``where`` with the
    model's table name; the joined tables have aliases of their own. ``annotate``: attribute name
    to an SQL expression (over the model's table), set on each instance."""
    connection = connections[using]
    select_list, join, nodes = _join_plan(connection, model, related)
    names = list(annotate or ())
    if names:
        select_list = ", ".join([select_list, *(annotate[name] for name in names)])
    rows = _fetch(connection, model, select_list, join, where, params, "", limit)
    width = nodes[-1].end
    found = []
    for row in rows:
        instances: list[Model | None] = []
        for node in nodes:
            values = _converted(list(row[node.start : node.end]), node.converters, connection)
            parent = instances[node.parent] if node.parent is not None else None
            if node.parent is not None and parent is None:
                instances.append(None)  # under a missing object: nothing to cache on
                continue
            instance = (
                None if values[node.pk] is None else node.model.from_db(using, node.names, values)
            )
            instances.append(instance)
            if node.cache is not None:
                node.cache.set_cached_value(parent, instance)
                if instance is not None and node.back is not None:
                    node.back.set_cached_value(instance, parent)
        for name, value in zip(names, row[width:], strict=True):
            setattr(instances[0], name, value)
        found.append(instances[0])
    return found


class _Node:
    """One model of a join plan: its columns' place in the row, and how it hangs off its parent."""

    def __init__(self, model, names, converters, start, parent, cache, back):
        self.model, self.names, self.converters = model, names, converters
        self.start, self.end, self.parent = start, start + len(names), parent
        self.pk = names.index(model._meta.pk.attname)
        self.cache, self.back = cache, back  # what caches it on the parent, and the parent on it


def _join_plan(connection, model: type[Model], related: tuple[str, ...]):
    plans = connection.__dict__.setdefault("_tobira_join_plans", {})
    plan = plans.get((model, related))
    if plan is not None:
        return plan
    quote = connection.ops.quote_name
    columns, names, converters = _shape(connection, model)
    select = [columns]
    joins = []
    nodes = [_Node(model, names, converters, 0, None, None, None)]
    aliases = {"": (0, model, quote(model._meta.db_table))}
    width = len(names)
    for path in sorted(related, key=lambda p: p.count("__")):
        head, _, name = path.rpartition("__")
        parent_index, parent_model, parent_alias = aliases[head]  # KeyError: name the parent first
        field = parent_model._meta.get_field(name)
        target = field.related_model
        if target._meta.parents:
            raise ValueError(
                f"{path}: models with parents (multi-table inheritance) are not joined"
            )
        alias = quote(f"T{len(nodes)}")
        if field.concrete:  # a foreign key or one-to-one field of the parent
            on = (
                f"{alias}.{quote(field.target_field.column)} = {parent_alias}.{quote(field.column)}"
            )
            cache, back = field, (field.remote_field if field.one_to_one else None)
        elif field.one_to_one:  # the other side of a one-to-one field
            remote = field.field
            on = f"{alias}.{quote(remote.column)} = {parent_alias}.{quote(remote.target_field.column)}"
            cache, back = field, remote
        else:
            raise ValueError(f"{path}: only foreign keys and one-to-one relations are joined")
        joins.append(f"LEFT OUTER JOIN {quote(target._meta.db_table)} {alias} ON {on}")
        table = quote(target._meta.db_table)
        target_columns, target_names, target_converters = _shape(connection, target)
        select.append(target_columns.replace(f"{table}.", f"{alias}."))
        nodes.append(
            _Node(target, target_names, target_converters, width, parent_index, cache, back)
        )
        aliases[path] = (len(nodes) - 1, target, alias)
        width += len(target_names)
    plan = plans[(model, related)] = (", ".join(select), " ".join(joins), nodes)
    return plan


def values(
    model: type[Model],
    fields: tuple[str, ...],
    where: LiteralString,
    params: Sequence,
    *,
    order_by: LiteralString = "",
    limit: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[list]:
    """``select`` of only ``fields`` (attribute names), as lists of converted values: for a
    long page of rows that need no model instance (building one costs more than its row)."""
    connection = connections[using]
    columns, _names, converters = _shape(connection, model, fields)
    rows = _fetch(connection, model, columns, "", where, params, order_by, limit)
    return [_converted(list(row), converters, connection) for row in rows]


def _fetch(connection, model, select_list, join, where, params, order_by, limit) -> list:
    # ``where``, ``join``, ``order_by`` and the extra columns are literals of the calling code
    # (LiteralString); every value travels in ``params``. The table and its columns are the
    # model's, quoted by the backend.
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"SELECT {select_list} FROM {table} {join} WHERE {where}"  # noqa: S608 - see above
    if order_by:
        sql += f" ORDER BY {order_by}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _converted(values: list, converters, connection) -> list:
    for index, column_converters in converters:
        value = values[index]
        for convert, column in column_converters:
            value = convert(value, column, connection)
        values[index] = value
    return values
