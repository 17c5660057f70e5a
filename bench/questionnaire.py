"""A questionnaire of 12 questions sent to 1,000 participants, answered half on the web and
half by email replies over SMTP, against list mail sent in the same run.

    python bench/questionnaire.py          # full run: PostgreSQL (DATABASE_URL) + Redis
                                           # (REDIS_URL), `intercoop smtp`, `intercoop web
                                           # --workers 2` and 2 `intercoop worker`
                                           # processes; writes the "Questionnaire" section
                                           # of docs/benchmarks.md
    python bench/questionnaire.py --smoke  # 20 participants, SQLite, processed in this
                                           # process; writes nothing

1. Sending: a post to the session's board, which every participant follows by email
   (list mail, the baseline), then "Send to participants" (the questionnaire mail):
   each from its commit until the SMTP sink has every copy.
2. Answering: at the same moment, half of the participants answer by their personal
   link (GET the form, POST it, over HTTP from 16 client threads) and the other half
   reply to their `answers+<token>@` address with numbered answers ("1. b", "2 : a, c",
   "3) 4"…) over 8 SMTP connections to the gateway; the clock runs until every
   participant is recorded as having answered.

The full run uses a database of its own, `<DATABASE_URL name>_bench_questionnaire`,
created afresh and dropped at the end, and purges the Celery queue of REDIS_URL first.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402 - after the path is set
from bench.inbound import blast, start_gateway, wait_processed  # noqa: E402

SECTION = "## Questionnaire"
DOMAIN = "lists.intercoop.test"
# The site's event (INTERCOOP_EVENT_SLUG), as a deployment names its own: every page
# finds it at once (forum.selectors.event_current).
EVENT_SLUG = "intercoop-q"
FULL_PARTICIPANTS = 1_000
SMOKE_PARTICIPANTS = 20
WEB_CLIENTS = 16
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# The questionnaire: 12 questions of every kind.


def questions_fields():
    from forum.models import QuestionKind
    from forum.services.questionnaires import QuestionFields

    def single(text, *labels, kind=QuestionKind.SINGLE):
        return QuestionFields(kind=kind, text_fr=text, choices=[(label, "") for label in labels])

    return [
        single("Votre groupe", "Une association", "Une coopérative", "Une collectivité"),
        single("Sa taille", "Moins de 10", "10 à 50", "Plus de 50"),
        single("Depuis quand", "Un an", "Cinq ans", "Plus"),
        single("Vos outils", "Une liste", "Un wiki", "Un forum", kind=QuestionKind.MULTIPLE),
        single("Vos lieux", "Un local", "En ligne", "Chez l'un", kind=QuestionKind.MULTIPLE),
        QuestionFields(kind=QuestionKind.SCALE, text_fr="Ose-t-on le désaccord ?"),
        QuestionFields(kind=QuestionKind.SCALE, text_fr="Les décisions sont-elles claires ?"),
        QuestionFields(kind=QuestionKind.SCALE, text_fr="Les nouveaux trouvent-ils leur place ?"),
        QuestionFields(kind=QuestionKind.YES_NO, text_fr="Des personnes se sont-elles retirées ?"),
        QuestionFields(kind=QuestionKind.YES_NO, text_fr="Des choses restent-elles non dites ?"),
        QuestionFields(kind=QuestionKind.SHORT_TEXT, text_fr="Le nom du groupe"),
        QuestionFields(kind=QuestionKind.LONG_TEXT, text_fr="Racontez un moment difficile"),
    ]


def scene_make(count: int) -> dict:
    """The event, its session and board, a facilitator, `count` participants following
    the board by email, and the session's questionnaire, open."""
    from datetime import date, timedelta

    from django.utils import timezone

    from forum.models import (
        Board,
        Event,
        Follow,
        FollowLevel,
        Registration,
        RegistrationStatus,
        Role,
        Session,
    )
    from forum.services import questionnaires as building
    from forum.services.questionnaires import QuestionnaireSettings
    from mailbridge.tests.outbound.outbox_fixture import people_create

    event = Event.objects.create(
        name="Intercoop", slug=EVENT_SLUG, starts_on=date(2007, 7, 4), ends_on=date(2007, 7, 6)
    )
    session = Session.objects.create(
        event=event, number=1, slug="cooperer", title="Coopérer", date=date(2007, 7, 4)
    )
    board = Board.objects.create(event=event, session=session, slug="cooperer", title="Coopérer")
    [cornu] = people_create(1, prefix="animateur")
    Registration.objects.create(user=cornu, event=event, role=Role.ORGANISER)
    people = people_create(count)
    confirmed = {"event": event, "role": Role.PARTICIPANT, "status": RegistrationStatus.CONFIRMED}
    registrations = Registration.objects.bulk_create(
        [Registration(user=p, **confirmed) for p in people]
    )
    Registration.sessions.through.objects.bulk_create(
        [Registration.sessions.through(registration=r, session=session) for r in registrations]
    )
    Follow.objects.bulk_create(
        [Follow(user=p, board=board, level=FollowLevel.EMAIL) for p in people]
    )
    questionnaire = building.questionnaire_create(session=session, actor=cornu)
    building.questionnaire_settings_save(
        questionnaire=questionnaire,
        actor=cornu,
        settings=QuestionnaireSettings(
            title_fr="Questionnaire préalable", closes_at=timezone.now() + timedelta(days=10)
        ),
    )
    for fields in questions_fields():
        building.question_add(questionnaire=questionnaire, actor=cornu, fields=fields)
    building.questionnaire_open(questionnaire=questionnaire, actor=cornu)
    return {"board": board, "cornu": cornu, "people": people, "questionnaire": questionnaire}


def mail_answers(number: int) -> str:
    """Person `number`'s answers as a numbered reply."""
    letters = "abc"
    return (
        f"Bonjour,\n\n1. {letters[number % 3]}\n2 : {letters[(number + 1) % 3]}\n"
        f"3) {letters[(number + 2) % 3]}\n4. a, {letters[1 + number % 2]}\n5. b\n"
        f"6. {1 + number % 5}\n7 : {1 + (number + 2) % 5}\n8) 3\n9. oui\n10. non\n"
        f"11. Groupe {number}\n12. Une réunion où personne n'a osé parler du budget.\n\n"
        "-- \nUn membre\n"
    )


def web_form(questions, number: int) -> dict:
    """The same answers as the web form posts them."""
    values = {}
    for index, question in enumerate(questions):
        name = f"q{question.pk}"
        choices = [choice.pk for choice in question.choices.all()]
        if question.kind == "multiple":
            values[name] = [choices[0], choices[1 + number % 2]]
        elif choices:
            values[name] = choices[(number + index) % len(choices)]
        elif question.kind == "scale":
            values[name] = 1 + (number + index) % 5
        elif question.kind == "yes_no":
            values[name] = "yes" if (number + index) % 2 else "no"
        else:
            values[name] = f"Réponse {number} : un groupe qui coopère."
    return values


def replies_make(scene: dict, people: list) -> list[tuple[str, str, bytes]]:
    from mailbridge.tokens import answers_address

    replies = []
    for number, person in enumerate(people):
        to = answers_address(person.pk, scene["questionnaire"].pk)
        text = (
            f"From: Membre {number} <{person.email}>\nTo: <{to}>\n"
            "Subject: Re: [cooperer] Questionnaire préalable\n"
            f"Message-ID: <bench-q-{number}@exemple.org>\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n"
            + mail_answers(number)
        )
        replies.append((person.email, to, text.replace("\n", "\r\n").encode("utf-8")))
    return replies


# The web half: the personal link's form, over HTTP (full) or Django's client (smoke).


_connections = threading.local()


def _connection(port: int) -> http.client.HTTPConnection:
    """The client thread's connection, kept open from one answer to the next as a
    browser keeps its own (HTTP/1.1 keep-alive): the clients measure the server's
    work, not their own TCP set-ups. http.client opens it again when the server
    closed it."""
    connection = getattr(_connections, "connection", None)
    if connection is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        _connections.connection = connection
    return connection


def _answer_over_http(port: int, path: str, form: dict) -> int:
    """One person's GET of the form and POST of their answers, with the cookies the GET
    set (their own: no cookie is carried from one person to the next)."""
    connection = _connection(port)
    try:
        connection.request("GET", path)
        page = connection.getresponse()
        body = page.read().decode()
        cookie = "; ".join(
            value.split(";", 1)[0] for name, value in page.getheaders() if name == "set-cookie"
        )
        form = {**form, "csrfmiddlewaretoken": _CSRF.search(body).group(1)}
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        connection.request("POST", path, urlencode(form, doseq=True), headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    except Exception:
        connection.close()
        raise


def web_answer(port: int | None, scene: dict, people: list, questions) -> list[int]:
    from django.test import Client
    from django.urls import reverse

    from forum.questionnaire_tokens import link_token

    questionnaire = scene["questionnaire"]
    jobs = []
    for number, person in enumerate(people):
        token = link_token(questionnaire_id=questionnaire.pk, user_id=person.pk)
        jobs.append(
            (reverse("forum:questionnaire_link", args=[token]), web_form(questions, number))
        )
    if port is None:
        client = Client(SERVER_NAME="localhost")
        return [client.post(path, form).status_code for path, form in jobs]
    with ThreadPoolExecutor(WEB_CLIENTS) as pool:
        # Each thread's connection closes with the thread, at the pool's end.
        return list(pool.map(lambda job: _answer_over_http(port, *job), jobs))


# The synthesis page against the signed-in thread page, in the same run.

SYNTHESIS_SECONDS = 10
SMOKE_FETCHES = 10


def _signed_in(person) -> str:
    from django.test import Client

    client = Client()
    client.force_login(person)
    return f"sessionid={client.cookies['sessionid'].value}"


def _fetch_timed(client, path: str, count: int) -> dict:
    """`count` GETs of `path` in this process, one after the other (--smoke)."""
    latencies, ok = [], 0
    started = time.perf_counter()
    for _ in range(count):
        begun = time.perf_counter()
        ok += client.get(path).status_code == 200
        latencies.append(time.perf_counter() - begun)
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": ok,
        "errors": count - ok,
        "rps": ok / elapsed,
        "p50_ms": common.percentile(ordered, 50) * 1000,
        "p99_ms": common.percentile(ordered, 99) * 1000,
    }


def synthesis_pages(web_port: int | None, web_pid: int | None, scene: dict) -> dict:
    """The facilitator's synthesis page and a signed-in thread page of the session's
    board, each loaded by WEB_CLIENTS clients for the same time, in turn (bench/web.py's
    load generator); in --smoke, a few fetches through Django's client."""
    from django.test import Client
    from django.urls import reverse

    from forum.models import Thread

    synthesis = reverse("forum:synthesis", args=[scene["questionnaire"].session.slug])
    thread = Thread.objects.filter(board=scene["board"]).order_by("pk").first()
    pages = {
        "synthesis": (synthesis, scene["cornu"]),
        "thread": (thread.get_absolute_url(), scene["people"][0]),
    }
    if web_port is None:
        measured = {}
        for name, (path, person) in pages.items():
            client = Client(SERVER_NAME="localhost")
            client.force_login(person)
            measured[name] = _fetch_timed(client, path, SMOKE_FETCHES)
        return measured
    from bench import web

    plan = {
        "host": "127.0.0.1",
        "port": web_port,
        "server_pid": web_pid,
        "clients": WEB_CLIENTS,
        "warmup": 1.0,
        "duration": SYNTHESIS_SECONDS,
        "rounds": 2,
        "pages": [
            {"name": name, "path": path, "cookie": _signed_in(person)}
            for name, (path, person) in pages.items()
        ],
    }
    return common.run_async(web._load(plan))


def synthesis_page_rows(result: dict) -> list[str]:
    """The synthesis page's rows of the table, for the answers just recorded, and the
    signed-in thread page of the same run (the baseline)."""
    pages = result.get("pages")
    if not pages:
        return []
    synthesis, thread = pages["synthesis"], pages["thread"]
    clients = "1 client" if result.get("smoke") else f"{WEB_CLIENTS} clients"

    def row(what: str, page: dict, ratio: str = "") -> str:
        statuses = page.get("statuses")
        errors = f"{page['errors']} errors" + (
            f": {statuses}" if page["errors"] and statuses else ""
        )
        return (
            f"| {what}, {clients} | {page['requests']:,} requests ({errors}) | "
            f"p50 {page['p50_ms']:.1f} ms, p99 {page['p99_ms']:.1f} ms | "
            f"{page['rps']:,.0f}{ratio} |"
        )

    ratio = synthesis["rps"] / thread["rps"] if thread["rps"] else 0.0
    return [
        row("thread page, signed-in participant (baseline)", thread),
        row(
            f"synthesis page, {result['answered']:,} answers, signed-in facilitator",
            synthesis,
            f" ({ratio:.0%} of the thread page)",
        ),
    ]


# The run.


def _backends_cpu(database: str | None) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the run's database, when
    the server runs on this machine (those that ended are missed: a rough figure)."""
    if not database:
        return {}
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [row[0] for row in cursor.fetchall()]
    return {pid: common.process_cpu_seconds(pid) for pid in pids}


def _sent(sink, before: int, count: int, started: float, timeout: float) -> tuple[float, int]:
    counts = sink.wait_for(before + count, timeout=timeout)
    return counts["last_accepted_at"] - started, counts["count"] - before


def run(args) -> dict:
    count = SMOKE_PARTICIPANTS if args.smoke else args.participants
    load_at_start = common.load_average()
    workers: list[subprocess.Popen] = []
    with common.mail_run(
        args.smoke,
        "_bench_questionnaire",
        email_to_sink=True,
        keep=args.keep,
        INTERCOOP_MAIL_DOMAIN=DOMAIN,
        INTERCOOP_SMTP_TRUSTED_PEERS="127.0.0.1",
        SECRET_KEY="bench-questionnaire-" + "x" * 40,
        INTERCOOP_EVENT_SLUG=EVENT_SLUG,
    ) as frame:
        from config.celery import app
        from forum import services
        from forum.models import Respondent
        from forum.selectors.questionnaires import questions_of
        from forum.services.questionnaire_sending import questionnaire_send
        from mailbridge.inbound.processing import inbound_process, pending_ids
        from mailbridge.outbound.sender import outbox_send_due

        scene = scene_make(count)
        questions = questions_of(questionnaire=scene["questionnaire"])
        people = scene["people"]
        web_people, mail_people = people[: count // 2], people[count // 2 :]
        replies = replies_make(scene, mail_people)
        if not args.smoke:
            app.control.purge()
            workers = common.start_workers(args.workers, args.concurrency, frame.data_dir)
            frame.processes += workers
            common.wait_for_workers(app, args.workers)

        # 1. Sending: list mail, then the questionnaire, each until the sink has them all.
        before = frame.sink.counts()["count"]
        started = time.time()
        services.thread_create(
            board=scene["board"], author=scene["cornu"], title="Bienvenue", body="Bonjour à tous."
        )
        if args.smoke:
            outbox_send_due()
        list_seconds, list_sent = _sent(frame.sink, before, count, started, args.timeout)
        before = frame.sink.counts()["count"]
        started = time.time()
        questionnaire_send(questionnaire=scene["questionnaire"], actor=scene["cornu"])
        if args.smoke:
            outbox_send_due()
        quest_seconds, quest_sent = _sent(frame.sink, before, count, started, args.timeout)

        # 2. Answering: the web half and the mail half at once.
        gateway_port = common.free_port()
        gateway = start_gateway(gateway_port, frame.data_dir)
        frame.processes.append(gateway)
        web_port = None
        if not args.smoke:
            web_port = common.free_port()
            log = frame.data_dir / "web.log"
            command = [*common.intercoop_command(), "web", "--port", str(web_port)]
            web = common.start_logged([*command, "--workers", "2"], log)
            frame.processes.append(web)
            common.wait_for_port(web_port, web, log, interval=0.1)
        roles = {"web": [web.pid] if web_port else [], "workers": [w.pid for w in workers]}
        roles["gateway"] = [gateway.pid]
        roles["sink"] = [frame.sink.process.pid]
        cpu_before = {role: common.tree_cpu_seconds(pids) for role, pids in roles.items()}
        # This process alone (its children are the roles above): the web and SMTP
        # clients, and the polling below.
        cpu_before["bench"] = common.process_cpu_seconds(os.getpid())
        backends_before = _backends_cpu(frame.database)
        confirmations_before = frame.sink.counts()["count"]
        with ThreadPoolExecutor(1) as pool:
            started = time.time()
            web_job = pool.submit(web_answer, web_port, scene, web_people, questions)
            mail_seconds, codes = blast(gateway_port, replies)
            web_codes = web_job.result()
        web_seconds = time.time() - started
        if args.smoke:
            for inbound_id in pending_ids(limit=count):
                inbound_process(inbound_id=inbound_id)
        statuses = wait_processed(codes[250], timeout=args.timeout)
        answered = 0
        deadline = time.monotonic() + args.timeout
        while answered < count and time.monotonic() < deadline:
            answered = Respondent.objects.filter(questionnaire=scene["questionnaire"]).count()
            time.sleep(0.05)
        answer_seconds = time.time() - started
        # The confirmation mails are sent before the pages are measured: the pages'
        # figures are theirs alone, not shared with the outbox's senders.
        confirm_seconds = None
        if not args.smoke:
            confirm_seconds, _ = _sent(
                frame.sink, confirmations_before, answered, started, args.timeout
            )
        # CPU until every answer is recorded and its confirmation mail at the sink.
        cpu_seconds = {role: common.tree_cpu_seconds(pids) for role, pids in roles.items()}
        cpu_seconds["bench"] = common.process_cpu_seconds(os.getpid())
        cpu_ms = {
            role: (seconds - cpu_before[role]) * 1000 / max(answered, 1)
            for role, seconds in cpu_seconds.items()
        }
        backends = _backends_cpu(frame.database)
        cpu_ms["postgres"] = (
            sum(seconds - backends_before.get(pid, 0.0) for pid, seconds in backends.items())
            * 1000
            / max(answered, 1)
        )
        pages = synthesis_pages(web_port, web.pid if web_port else None, scene)
        if args.smoke:
            # A push the coalescer still holds for this process's answers
            # (realtime.coalesce) runs now, while the database is there, not from its
            # timer once the run is taken down.
            from realtime.publish import synthesis_pushes

            synthesis_pushes.flush()
        result = {
            "smoke": args.smoke,
            "pages": pages,
            "participants": count,
            "questions": len(questions),
            "database": "PostgreSQL" if frame.database else "SQLite",
            "workers": common.workers_text(args, workers),
            "list_seconds": list_seconds,
            "list_sent": list_sent,
            "quest_seconds": quest_seconds,
            "quest_sent": quest_sent,
            "web_codes": {code: web_codes.count(code) for code in set(web_codes)},
            "web_seconds": web_seconds,
            "mail_seconds": mail_seconds,
            "mail_codes": dict(codes),
            "statuses": statuses,
            "answered": answered,
            "answer_seconds": answer_seconds,
            "confirm_seconds": confirm_seconds,
            "cpu_ms": cpu_ms,
            "load": (load_at_start, common.load_average()),
        }
        return result


def table(result: dict) -> list[str]:
    count = result["participants"]
    list_rate = result["list_sent"] / result["list_seconds"]
    quest_rate = result["quest_sent"] / result["quest_seconds"]
    lines = [
        "| what | mails or answers | time | per second |",
        "|---|---:|---:|---:|",
        f"| list mail: one post to {count:,} email followers (baseline) | "
        f"{result['list_sent']:,} | {result['list_seconds']:.2f} s "
        f"| {list_rate:,.0f} |",
        f"| questionnaire mail to {count:,} participants | {result['quest_sent']:,} | "
        f"{result['quest_seconds']:.2f} s | {quest_rate:,.0f} |",
        f"| answers, half by web and half by email, until all recorded | "
        f"{result['answered']:,} | {result['answer_seconds']:.2f} s | "
        f"{result['answered'] / result['answer_seconds']:,.0f} |",
        *synthesis_page_rows(result),
        "",
        f"Questionnaire mail / list mail: {quest_rate / list_rate:.0%}. "
        f"Web answers (HTTP {result['web_codes']}) sent in {result['web_seconds']:.2f} s; "
        f"email replies (SMTP {result['mail_codes']}) in {result['mail_seconds']:.2f} s; "
        "inbound statuses: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(result["statuses"].items()))
        + f". Workers: {result['workers']}; load average {result['load'][0]:.1f} at the "
        f"start, {result['load'][1]:.1f} at the end{common.busy_note(*result['load'])}.",
    ]
    if not result["smoke"]:
        cpu = result["cpu_ms"]
        lines[-1] += (
            " CPU per answer, from the first answer until every one was recorded and its "
            "confirmation mail at the sink (/proc, which the load changes little): web "
            f"{cpu['web']:.1f} ms, workers "
            f"{cpu['workers']:.1f} ms (email answers and confirmation mails), gateway "
            f"{cpu['gateway']:.1f} ms, PostgreSQL's backends {cpu['postgres']:.1f} ms "
            f"(those open at the end), SMTP sink {cpu['sink']:.1f} ms, the bench's clients "
            f"{cpu['bench']:.1f} ms; all {sum(cpu.values()):.1f} ms. The {result['answered']:,} "
            f"confirmation mails were all at the sink {result['confirm_seconds']:.1f} s after "
            "the first answer, before the pages were measured."
        )
    return lines


def section_lines(lines: list[str], result: dict) -> list[str]:
    return [
        f"`python bench/questionnaire.py`, {dt.date.today().isoformat()}, {common.machine()}; "
        f"{result['database']} + Redis, {result['participants']:,} participants, "
        f"{result['questions']} questions.",
        "",
        *lines,
        "",
        "Both mails go through the outbox to a counting SMTP sink, each timed from its "
        "commit to the sink's last 250. The answers: the web half through the personal "
        f"link's form (a GET and a POST each, {WEB_CLIENTS} client threads, `intercoop web "
        "--workers 2`), the email half as numbered replies to `intercoop smtp` over 8 "
        "connections, processed by the Celery workers; every answer makes a confirmation "
        "mail through the outbox too. Target: ≥ 100 answers/s with 2 workers. The "
        "synthesis page, fetched by a signed-in facilitator once every answer is "
        f"recorded, and the signed-in thread page: {WEB_CLIENTS} clients each, "
        f"{SYNTHESIS_SECONDS} s in two rounds. Target: ≥ 40 % of the thread page's "
        "rate, p99 < 150 ms.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(__doc__, "20 participants, SQLite, no docs")
    parser.add_argument("--participants", type=int, default=FULL_PARTICIPANTS)
    parser.add_argument("--keep", action="store_true", help="keep the data dir and its logs")
    common.add_worker_options(parser, 600, "seconds to wait for mails and answers")
    args = parser.parse_args(argv)
    result = run(args)
    lines = table(result)
    print("\n".join(lines))
    if not args.smoke and not args.no_write:
        common.write_section(SECTION, section_lines(lines, result))
        print(f"\nwritten to {common.DOCS.relative_to(common.ROOT)}, section {SECTION!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
