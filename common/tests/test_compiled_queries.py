"""A query made once answers as its queryset would, for any values."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from common.compiled_queries import CompiledQuery

pytestmark = pytest.mark.django_db

User = get_user_model()


def _people(shape, *, above: int, besides: int):
    rows = User.objects.filter(pk__gt=above).exclude(pk=besides)
    if shape == "active":
        rows = rows.filter(is_active=True)
    return rows.order_by("pk").values_list("pk", "username")


def test_the_same_sql_answers_for_other_values_as_the_queryset_does():
    people = [User.objects.create(username=f"p{n}", is_active=n % 2 == 0) for n in range(6)]
    query = CompiledQuery(_people)
    for shape in ("all", "active"):
        for above, besides in ((0, people[1].pk), (people[2].pk, people[4].pk), (10**6, 0)):
            expected = list(_people(shape, above=above, besides=besides))
            assert query.rows(shape, above=above, besides=besides) == expected
    with CaptureQueriesContext(connection) as captured:
        query.rows("all", above=people[0].pk, besides=people[5].pk)
    assert [row[0] for row in query.rows("all", above=0, besides=people[0].pk)] == [
        p.pk for p in people[1:]
    ]
    assert len(captured) == 1


def test_a_value_that_is_not_a_parameter_is_refused_when_the_query_is_made():
    def folded(shape, *, number: int):
        # The number ends up inside a text parameter, not as a parameter of its own.
        return User.objects.annotate(tag=Concat(Value("n"), Value(str(number)))).values_list("pk")

    with pytest.raises(ValueError, match="number"):
        CompiledQuery(folded).rows(number=3)
