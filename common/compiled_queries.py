"""Querysets whose SQL is made once per process, then run again with other values.

Django turns a queryset into SQL anew each time it runs it. For a query with
subqueries that runs for every post (mailbridge.outbound.recipients), making the
SQL costs the worker many times what PostgreSQL spends answering it
(docs/benchmarks.md, "Costs behind the code"). A `CompiledQuery` builds the
queryset once per shape with marker numbers in place of the values that change,
finds the markers among the query's parameters, and from then on runs the same
SQL with the values put where the markers were.

Only for querysets of `values_list()` whose columns need no conversion by Django
(numbers, text, NULL): the rows come straight from the database cursor. Each value
must be an integer that reaches the SQL as one parameter (a primary or foreign
key compared with `=`); a value Django folds into the SQL text, or uses twice in
different forms, is refused when the query is first made.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django.db import connection
from django.db.models import QuerySet

# One per named value: negative (no id is), and within a 32-bit integer column's
# range (Django folds a comparison with an out-of-range number into the SQL).
_MARKER_BASE = -1_987_000_001


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet]):
        """`build(shape, **values)` returns the queryset; `shape` names what changes
        its SQL (e.g. whether a clause is added), the values only its parameters."""
        self._build = build
        self._made: dict[tuple, tuple[str, list[tuple[bool, Any]]]] = {}

    def rows(self, shape: Hashable = (), **values: int) -> list[tuple]:
        key = (connection.vendor, shape, tuple(sorted(values)))
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._make(shape, sorted(values))
        sql, slots = made
        params = [values[item] if is_value else item for is_value, item in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _make(self, shape: Hashable, names: list[str]) -> tuple[str, list[tuple[bool, Any]]]:
        markers = {name: _MARKER_BASE - index for index, name in enumerate(names)}
        named = {marker: name for name, marker in markers.items()}
        sql, params = self._build(shape, **markers).query.sql_with_params()
        slots = [
            (True, named[param]) if type(param) is int and param in named else (False, param)
            for param in params
        ]
        found = {item for is_value, item in slots if is_value}
        if found != set(names):
            raise ValueError(
                f"values {sorted(set(names) - found)} are not parameters of the query's SQL"
            )
        return sql, slots
