"""Querysets whose SQL is made once per process, then run again with other values.

Django turns a queryset into SQL anew each time it runs it. For a query with
subqueries that runs for every post (mailbridge.outbound.recipients), making the
SQL costs the worker many times what PostgreSQL spends answering it
(docs/benchmarks.md, "Costs behind the code"). A `CompiledQuery` builds the
queryset once per shape with marker numbers in place of the values that change,
finds the markers among the query's parameters, and from then on runs the same
SQL with the values put where the markers were.

`rows()` is for querysets of `values_list()` whose columns need no conversion by
Django (numbers, text, NULL): the rows come straight from the database cursor.
`objects()` is for querysets of model instances (with `select_related()`,
`annotate()`, `select_for_update()`; not `prefetch_related()`): the rows go through
the compiler made with the SQL, which converts the columns and builds the instances
as the queryset would. Each value must be an integer that reaches the SQL as one
parameter (a primary or foreign key compared with `=`); a value Django folds into
the SQL text, or uses twice in different forms, is refused when the query is first
made.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable

from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# One per named value: negative (no id is), and within a 32-bit integer column's
# range (Django folds a comparison with an out-of-range number into the SQL).
_MARKER_BASE = -1_987_000_001


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet]):
        """`build(shape, **values)` returns the queryset; `shape` names what changes
        its SQL (e.g. whether a clause is added), the values only its parameters."""
        self._build = build
        self._made: dict[tuple, tuple] = {}

    def rows(self, shape: Hashable = (), **values: int) -> list[tuple]:
        return self._run(shape, values)[0]

    def objects(self, shape: Hashable = (), **values: int) -> list:
        """The model instances the queryset would give for these values."""
        fetched, compiler, queryset = self._run(shape, values)
        if not fetched:
            return []
        compiler = copy.copy(compiler)  # made on another thread: this one's connection
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

    def _run(self, shape: Hashable, values: dict[str, int]) -> tuple:
        key = (connection.vendor, shape, tuple(sorted(values)))
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._make(shape, sorted(values))
        sql, slots, compiler, queryset = made
        params = [values[item] if is_value else item for is_value, item in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall(), compiler, queryset

    def _make(self, shape: Hashable, names: list[str]) -> tuple:
        markers = {name: _MARKER_BASE - index for index, name in enumerate(names)}
        named = {marker: name for name, marker in markers.items()}
        queryset = self._build(shape, **markers)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("a compiled query reads one queryset's rows, nothing more")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots = [
            (True, named[param]) if type(param) is int and param in named else (False, param)
            for param in params
        ]
        found = {item for is_value, item in slots if is_value}
        if found != set(names):
            raise ValueError(
                f"values {sorted(set(names) - found)} are not parameters of the query's SQL"
            )
        if queryset._iterable_class is not ModelIterable:
            compiler = None  # rows() only: values_list() rows are the cursor's
        return sql, slots, compiler, queryset
