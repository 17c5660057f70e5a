"""A query made once answers as its queryset would, for any values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.db.models import Count, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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


def _people_joined(shape, *, above: int):
    rows = User.objects.filter(pk__gt=above).annotate(named=Concat("username", Value("!")))
    if shape == "locked":  # (PostgreSQL locks no row of a GROUP BY)
        return rows.select_for_update().order_by("pk")
    return rows.annotate(groups_count=Count("groups")).order_by("pk")


def test_instances_are_those_the_queryset_gives_with_their_dates_and_annotations():
    joined = timezone.now() - dt.timedelta(days=3)
    people = [
        User.objects.create(username=f"q{n}", date_joined=joined, last_login=None if n else joined)
        for n in range(4)
    ]
    people[1].groups.add(Group.objects.create(name="animation"))
    query = CompiledQuery(_people_joined)
    for above in (0, people[1].pk, 10**6):
        expected = list(_people_joined("all", above=above))
        found = query.objects(above=above)
        assert [p.pk for p in found] == [p.pk for p in expected]
        for mine, theirs in zip(found, expected, strict=True):
            assert type(mine) is User and not mine._state.adding
            assert (mine.username, mine.date_joined, mine.last_login) == (
                theirs.username,
                theirs.date_joined,
                theirs.last_login,
            )
            assert (mine.named, mine.groups_count) == (theirs.named, theirs.groups_count)
    assert found == []  # above every id
    assert query.objects(above=0)[0].last_login == joined
    assert [p.groups_count for p in query.objects(above=0)] == [0, 1, 0, 0]
    with transaction.atomic():
        assert [p.pk for p in query.objects("locked", above=people[2].pk)] == [people[3].pk]


def test_related_instances_come_with_them_as_select_related_gives_them():
    query = CompiledQuery(
        lambda shape, *, pk: Permission.objects.select_related("content_type").filter(pk=pk)
    )
    wanted = Permission.objects.select_related("content_type").order_by("pk")[3]
    [permission] = query.objects(pk=wanted.pk)
    with CaptureQueriesContext(connection) as captured:
        assert permission.content_type.model == wanted.content_type.model
        assert permission.codename == wanted.codename
    assert len(captured) == 0  # the related row came with it
    assert query.objects(pk=10**6) == []


def test_a_queryset_with_more_than_its_own_rows_is_refused():
    query = CompiledQuery(
        lambda shape, *, pk: User.objects.filter(pk=pk).prefetch_related("groups")
    )
    with pytest.raises(ValueError, match="one queryset"):
        query.objects(pk=1)


def test_texts_are_values_too_compared_or_listed():
    people = [User.objects.create(username=name) for name in ("ana", "bea", "cleo")]

    def named(count, *, above, **names):
        return User.objects.filter(pk__gt=above, username__in=list(names.values())).order_by("pk")

    query = CompiledQuery(lambda *args, **kwargs: named(*args, **kwargs).values_list("username"))
    assert query.rows(2, above=0, a="cleo", b="ana") == [("ana",), ("cleo",)]
    assert query.rows(2, above=people[0].pk, a="cleo", b="ana") == [("cleo",)]
    assert query.rows(2, above=0, a="bea", b="nobody") == [("bea",)]
    instances = CompiledQuery(named).objects(2, above=0, a="bea", b="ana")
    assert [p.username for p in instances] == ["ana", "bea"]
    with pytest.raises(TypeError, match="model instances"):
        query.objects(2, above=0, a="bea", b="ana")


def test_a_text_changed_on_its_way_to_the_sql_is_refused():
    query = CompiledQuery(lambda shape, *, part: User.objects.filter(username__contains=part))
    with pytest.raises(ValueError, match="part"):
        query.objects(part="an")


def test_rows_come_converted_as_values_list_gives_them():
    joined = timezone.now() - dt.timedelta(hours=5)
    person = User.objects.create(username="dora", date_joined=joined)
    query = CompiledQuery(
        lambda shape, *, pk: User.objects.filter(pk=pk).values_list("date_joined", "username")
    )
    assert query.rows(pk=person.pk) == [(joined, "dora")]
    assert query.rows(pk=person.pk) == list(
        User.objects.filter(pk=person.pk).values_list("date_joined", "username")
    )
    with pytest.raises(ValueError, match="values_list"):
        CompiledQuery(lambda shape, *, pk: User.objects.filter(pk=pk).values("pk")).rows(pk=1)


@pytest.mark.django_db(transaction=True)  # (the other tests run inside one)
def test_a_lock_outside_a_transaction_is_refused_every_time_as_django_refuses_it():
    from django.db.transaction import TransactionManagementError

    person = User.objects.create(username="eve")
    query = CompiledQuery(lambda shape, *, pk: User.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        assert [p.pk for p in query.objects(pk=person.pk)] == [person.pk]
    if not connection.features.has_select_for_update:
        return  # SQLite locks the whole database: Django refuses nothing there
    for _ in range(2):
        with pytest.raises(TransactionManagementError):
            query.objects(pk=person.pk)


def test_an_id_no_column_can_hold_finds_nothing():
    query = CompiledQuery(lambda shape, *, pk: User.objects.filter(pk=pk))
    assert query.objects(pk=2**64) == [] and query.objects(pk=-(2**70)) == []
