"""Querysets whose SQL is made once per process, then run again with other values.

Django turns a queryset into SQL anew each time it runs it. For a query with
subqueries that runs for every post (mailbridge.outbound.recipients), making the
SQL costs the worker many times what PostgreSQL spends answering it
(docs/benchmarks.md, "Costs behind the code"). A `CompiledQuery` builds the
queryset once per shape with marker numbers in place of the values that change,
finds the markers among the query's parameters, and from then on runs the same
SQL with the values put where the markers were.

`rows()` is for querysets of `values_list()` (tuples, `flat=True` too): the rows
come from the database cursor, through Django's conversions when a column has one
(JSON, dates on SQLite).
`objects()` is for querysets of model instances (with `select_related()`,
`annotate()`, `select_for_update()`; not `prefetch_related()`): the rows go through
the compiler made with the SQL, which converts the columns and builds the instances
as the queryset would. Each value must be an integer or a text that reaches the SQL
as one parameter, unchanged (a key compared with `=` or listed in `__in`); a value
Django folds into the SQL text, changes (`contains` wraps it in `%`), or uses twice
in different forms, is refused when the query is first made.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable

from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.transaction import TransactionManagementError

# One per named value: negative (no id is), and within a 32-bit integer column's
# range (Django folds a comparison with an out-of-range number into the SQL); for a
# text, a NUL-led one (no stored text holds NUL: PostgreSQL refuses it).
_MARKER_BASE = -1_987_000_001


_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def _marker(index: int, text: bool) -> int | str:
    return f"\x00compiled-query-{index}\x00" if text else _MARKER_BASE - index


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet]):
        """`build(shape, **values)` returns the queryset; `shape` names what changes
        its SQL (e.g. whether a clause is added), the values only its parameters."""
        self._build = build
        self._made: dict[tuple, tuple] = {}

    def rows(self, shape: Hashable = (), **values: int | str) -> list[tuple]:
        fetched, compiler, _queryset = self._run(shape, values)
        if not fetched or compiler is None:
            return fetched
        compiler = copy.copy(compiler)  # made on another thread: this one's connection
        compiler.connection = connection
        return list(compiler.results_iter(results=[fetched], tuple_expected=True))

    def objects(self, shape: Hashable = (), **values: int | str) -> list:
        """The model instances the queryset would give for these values."""
        fetched, compiler, queryset = self._run(shape, values)
        if queryset._iterable_class is not ModelIterable:
            raise TypeError("objects() reads a queryset of model instances")
        if not fetched:
            return []
        compiler = copy.copy(compiler)
        compiler.connection = connection
        select, klass_info = compiler.select, compiler.klass_info
        model, fields = klass_info["model"], klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        attnames = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, queryset.db)
        annotations = compiler.annotation_col_map.items()
        found = []
        for row in compiler.results_iter(results=[fetched]):
            instance = model.from_db(queryset.db, attnames, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in annotations:
                setattr(instance, name, row[position])
            found.append(instance)
        return found

    def _run(self, shape: Hashable, values: dict[str, int | str]) -> tuple:
        names = tuple(sorted((name, type(value) is str) for name, value in values.items()))
        key = (connection.vendor, shape, names)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._make(shape, names)
        sql, slots, compiler, queryset = made
        locks = queryset.query.select_for_update and connection.features.has_select_for_update
        if locks and connection.get_autocommit():
            # Django says so when it makes the SQL, which it does once here.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        if any(type(v) is int and not _INT_MIN <= v <= _INT_MAX for v in values.values()):
            return [], compiler, queryset  # no row has such an id (the ORM's answer too)
        params = [values[item] if is_value else item for is_value, item in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall(), compiler, queryset

    def _make(self, shape: Hashable, names: tuple[tuple[str, bool], ...]) -> tuple:
        markers = {name: _marker(index, text) for index, (name, text) in enumerate(names)}
        named = {marker: name for name, marker in markers.items()}
        queryset = self._build(shape, **markers)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("a compiled query reads one queryset's rows, nothing more")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots = [
            (True, named[param]) if type(param) in (int, str) and param in named else (False, param)
            for param in params
        ]
        found = {item for is_value, item in slots if is_value}
        if found != set(markers):
            raise ValueError(
                f"values {sorted(set(markers) - found)} are not parameters of the query's SQL"
            )
        if queryset._iterable_class is ModelIterable:
            return sql, slots, compiler, queryset
        if not issubclass(queryset._iterable_class, ValuesListIterable | FlatValuesListIterable):
            raise ValueError("rows() reads a values_list()")
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converting = compiler if compiler.get_converters(fields) else None
        return sql, slots, converting, queryset
