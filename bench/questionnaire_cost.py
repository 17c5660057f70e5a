"""What one answer, one questionnaire mail and one synthesis page cost the product, in
CPU time and SQL queries, measured in this one process (the figures hold on a shared
machine, where rates do not).

    python bench/questionnaire_cost.py             # SQLite, 1,000 participants; writes
                                                   # the section of docs/benchmarks.md
    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/questionnaire_cost.py --pg
    python bench/questionnaire_cost.py --profile   # also the top of cProfile per step,
                                                   # in CPU time (env PROFILE_SORT,
                                                   # PROFILE_LINES; PROFILE_DIR: .prof
                                                   # files)
    python bench/questionnaire_cost.py --smoke     # 20 participants, SQLite; writes nothing

The scene is bench/questionnaire.py's (12 questions). Steps, each timed with the
process's CPU time (`time.process_time`, all its threads) and its SQL statements
(those of this thread's connection: the coalesced renders run here, see settle()):
list mail then the questionnaire mail to every participant (the outbox sender), then
half the participants answer on the web (GET and POST of their personal link, through
Django's client) and half by email (numbered replies stored by `intercoop smtp`,
processed here one by one), then their confirmation mails are sent, then a thread page
and the synthesis page are fetched: the synthesis with nothing cached, rendered again as
every two seconds on a live session (its shared page and figures expired, the rest of the
cache kept), and from the page cache. A reader follows the synthesis in French all along
(`realtime.listening`), as the facilitator's open page would: the live pushes are
rendered. Answers are reported for the first and the last tenth, to show how the cost
grows with the answers already recorded.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402 - after the path is set
from bench.inbound import blast, start_gateway, wait_processed  # noqa: E402
from bench.questionnaire import (  # noqa: E402
    DOMAIN,
    EVENT_SLUG,
    FULL_PARTICIPANTS,
    replies_make,
    scene_make,
    web_form,
)

SECTION = "## Questionnaire costs"
SMOKE_PARTICIPANTS = 20
PAGE_FETCHES = 20


class Meter:
    """CPU seconds and SQL queries of the steps run inside it."""

    def __init__(self, profile: bool):
        self.profile = profile
        self.rows: list[tuple[str, int, float, int]] = []

    def measure(self, name: str, units: int, job):
        from django.db import connection

        counted = [0]

        def count(execute, sql, params, many, context):
            counted[0] += 1
            return execute(sql, params, many, context)

        # CPU time, as the steps are measured: waiting on a socket costs nothing here.
        profiler = cProfile.Profile(time.process_time) if self.profile else None
        with connection.execute_wrapper(count):
            started = time.process_time()
            if profiler:
                profiler.enable()
            result = job()
            if profiler:
                profiler.disable()
            cpu = time.process_time() - started
        self.rows.append((name, units, cpu, counted[0]))
        if profiler:
            if os.environ.get("PROFILE_DIR"):  # for pstats, snakeviz…
                slug = "".join(c if c.isalnum() else "-" for c in name)
                profiler.dump_stats(Path(os.environ["PROFILE_DIR"]) / f"{slug}.prof")
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
            stats.print_stats(int(os.environ.get("PROFILE_LINES", "40")))
            print(f"\n### {name}\n{out.getvalue()}", file=sys.stderr)
        return result

    def table(self) -> list[str]:
        lines = ["| step | units | CPU ms per unit | queries per unit |", "|---|---:|---:|---:|"]
        for name, units, cpu, queries in self.rows:
            lines.append(
                f"| {name} | {units:,} | {cpu * 1000 / units:.1f} | {queries / units:.1f} |"
            )
        return lines


def settle() -> None:
    """Run now the coalesced synthesis pushes still scheduled (realtime.coalesce), so
    that the step they belong to pays for them; absent before coalescing."""
    try:
        from realtime.publish import synthesis_pushes
    except ImportError:
        return
    synthesis_pushes.flush()


def follow_synthesis(questionnaire) -> None:
    """A French reader on the synthesis's live group, as an open page registers it."""
    from realtime import listening
    from realtime.groups import synthesis_group

    listening.register(synthesis_group(questionnaire.session_id), {"fr"})


def run(args, load: float) -> list[str]:
    count = SMOKE_PARTICIPANTS if args.smoke else args.participants
    if args.smoke and args.pg:
        raise SystemExit("--smoke runs on SQLite")
    with common.mail_run(
        not args.pg,
        "_bench_qcost",
        email_to_sink=True,
        INTERCOOP_MAIL_DOMAIN=DOMAIN,
        INTERCOOP_SMTP_TRUSTED_PEERS="127.0.0.1",
        SECRET_KEY="bench-questionnaire-" + "x" * 40,
        INTERCOOP_EVENT_SLUG=EVENT_SLUG,
    ) as frame:
        from django.core.cache import cache
        from django.test import Client
        from django.urls import reverse

        from forum import services
        from forum.models import Thread
        from forum.questionnaire_tokens import link_token
        from forum.selectors.questionnaires import questions_of
        from forum.services.questionnaire_sending import questionnaire_send
        from mailbridge.inbound.processing import inbound_process, pending_ids
        from mailbridge.outbound.sender import outbox_send_due

        meter = Meter(args.profile)
        scene = scene_make(count)
        questionnaire = scene["questionnaire"]
        questions = questions_of(questionnaire=questionnaire)
        people = scene["people"]
        web_people, mail_people = people[: count // 2], people[count // 2 :]
        replies = replies_make(scene, mail_people)

        services.thread_create(
            board=scene["board"], author=scene["cornu"], title="Bienvenue", body="Bonjour à tous."
        )
        before = frame.sink.counts()["count"]
        meter.measure("list mail, per copy", count, outbox_send_due)
        sent = [frame.sink.counts()["count"] - before]
        questionnaire_send(questionnaire=questionnaire, actor=scene["cornu"])
        before = frame.sink.counts()["count"]
        meter.measure("questionnaire mail, per copy", count, outbox_send_due)
        sent.append(frame.sink.counts()["count"] - before)

        # The email half first stored by the gateway (its cost is not this process's).
        gateway_port = common.free_port()
        frame.processes.append(start_gateway(gateway_port, frame.data_dir))
        _, codes = blast(gateway_port, replies)
        ids = list(pending_ids(limit=count))
        if args.pg:
            from config.celery import app

            app.control.purge()

        client = Client(SERVER_NAME="localhost")

        def web(batch):
            def job():
                for number, person in batch:
                    token = link_token(questionnaire_id=questionnaire.pk, user_id=person.pk)
                    path = reverse("forum:questionnaire_link", args=[token])
                    assert client.get(path).status_code == 200
                    response = client.post(path, web_form(questions, number))
                    assert response.status_code == 302, response.status_code
                settle()

            return job

        def mail(batch):
            def job():
                for inbound_id in batch:
                    inbound_process(inbound_id=inbound_id)
                settle()

            return job

        follow_synthesis(questionnaire)
        numbered = list(enumerate(web_people))
        tenth = max(1, len(numbered) // 10)
        # Alternate web and mail in blocks so both see the answers grow.
        web_blocks = [numbered[i : i + tenth] for i in range(0, len(numbered), tenth)]
        mail_blocks = [ids[i : i + tenth] for i in range(0, len(ids), tenth)]
        last = len(web_blocks) - 1
        for index, (web_block, mail_block) in enumerate(zip(web_blocks, mail_blocks, strict=True)):
            follow_synthesis(questionnaire)
            if index in (0, last):
                when = "first tenth" if index == 0 else "last tenth"
                meter.measure(f"web answer (GET + POST), {when}", len(web_block), web(web_block))
                meter.measure(f"email answer, {when}", len(mail_block), mail(mail_block))
            else:
                web(web_block)()
                mail(mail_block)()
        statuses = wait_processed(codes[250], timeout=60)
        before = frame.sink.counts()["count"]
        meter.measure("confirmation mail, per copy", count, outbox_send_due)
        sent.append(frame.sink.counts()["count"] - before)

        synthesis = reverse("forum:synthesis", args=[questionnaire.session.slug])
        thread = Thread.objects.filter(board=scene["board"]).order_by("pk").first()

        def expire_synthesis():
            """What is due every two seconds on a live synthesis page: the shared page
            and its figures (the rest of the cache kept, as between two renders)."""
            from forum.page_cache import invalidate, synthesis_scope
            from forum.views.synthesis import blocks_key

            invalidate([synthesis_scope(questionnaire.session.slug)])
            cache.delete(blocks_key(questionnaire))

        def pages(path, person, uncached, expire=None):
            page_client = Client(SERVER_NAME="localhost")
            page_client.force_login(person)
            assert page_client.get(path).status_code == 200

            def job():
                for _ in range(PAGE_FETCHES):
                    if uncached:
                        cache.clear()
                    if expire:
                        expire()
                    response = page_client.get(path)
                    assert response.status_code == 200
                    assert not expire or response["X-Page-Cache"] == "miss"

            return job

        meter.measure(
            "thread page, signed-in participant",
            PAGE_FETCHES,
            pages(thread.get_absolute_url(), people[0], False),
        )
        meter.measure(
            f"synthesis page, {count:,} answers, no cache",
            PAGE_FETCHES,
            pages(synthesis, scene["cornu"], True),
        )
        meter.measure(
            f"synthesis page, {count:,} answers, rendered again (answers unchanged)",
            PAGE_FETCHES,
            pages(synthesis, scene["cornu"], False, expire_synthesis),
        )
        meter.measure(
            f"synthesis page, {count:,} answers",
            PAGE_FETCHES,
            pages(synthesis, scene["cornu"], False),
        )
        database = "PostgreSQL" if frame.database else "SQLite"
        return [
            f"`python bench/questionnaire_cost.py{' --pg' if args.pg else ''}`, "
            f"{dt.date.today().isoformat()}, {common.machine()}; "
            f"{database}, {count:,} participants, {len(questions)} questions; inbound {statuses}; "
            f"mails at the sink (list, questionnaire, confirmations): {sent}; "
            f"load average {load:.1f} at the start, {common.load_average():.1f} at the end. "
            "CPU: the process's (`time.process_time`, every thread), which a busy machine "
            "changes little; queries: those of the measuring thread (a coalesced render that "
            "fires in its timer thread is in the CPU, not in the queries).",
            "",
            *meter.table(),
        ]


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(__doc__, "20 participants, SQLite, no docs")
    parser.add_argument("--participants", type=int, default=FULL_PARTICIPANTS)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL and Redis (env)")
    parser.add_argument("--profile", action="store_true", help="cProfile each step (stderr)")
    args = parser.parse_args(argv)
    lines = run(args, common.load_average())
    print("\n".join(lines))
    if not args.smoke and not args.no_write:
        common.write_section(SECTION, lines)
        print(f"\nwritten to {common.DOCS.relative_to(common.ROOT)}, section {SECTION!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
