"""A generated archive of a French cooperative network's mailing list, with its truth.

    python bench/mbox_corpus.py OUT.mbox [--messages 50000] [--seed 2007]
    python bench/mbox_corpus.py OUT_DIR --pipermail [--messages 2000]

Writes an mbox (mboxrd: body lines starting with "From " quoted as ">From ") of list
mail as a network's list delivered it over two years, and beside it OUT.truth.json: for
each message, its Message-ID as the importer should key it and the Message-ID of the
message it answers (None for a thread's first message). `bench/import.py` scores the
import's threading against that truth.

What the mail is like, by design (the counts are fractions of all messages):
- threads of 1 to 40 messages, replies to the newest message most often, else to an
  earlier one; subjects "Re: [liste] …", sometimes "RE :", "TR :", "Réf. :";
- replies carry In-Reply-To and References (References cut to the last 3 ids at
  times, as some clients do); 3 % carry neither, and answer within two days under the
  same subject (the importer's subject fallback finds them);
- French text in UTF-8 (8bit or quoted-printable), ISO-8859-1 (quoted-printable) or
  windows-1252 (base64), encoded-word From names and subjects; quoted history with a
  French or English attribution line, signatures, the list's footer;
- 5 % with an attachment (PDF, ODT or JPEG of 2 to 20 KB);
- 2 % broken: a date like "GMT+00:00", a Message-ID written "<<id>>", a multipart
  whose closing boundary is missing, bytes in ISO-8859-1 labelled UTF-8, no
  Message-ID at all (keyed then by the digest of the raw message: truth names them
  by their position, "#<n>").

`--pipermail` writes the same kind of mail as Mailman 2's public archive does:
monthly `YYYY-Month.txt.gz` files, addresses written "jean at exemple.org", text
only, attachments replaced by pipermail's "next part" notice.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import random
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime
from pathlib import Path

LIST = "reseau-coop"
LIST_ADDRESS = f"{LIST}@listes.exemple.coop"
FIRST = [
    "Anne",
    "Benoît",
    "Cécile",
    "Dominique",
    "Élise",
    "François",
    "Gaëlle",
    "Hélène",
    "Isabelle",
    "Jérôme",
    "Karine",
    "Laurent",
    "Maëlle",
    "Noël",
    "Océane",
    "Pascal",
    "Régis",
    "Sophie",
    "Thierry",
    "Valérie",
    "Yannick",
    "Zoé",
    "Loïc",
    "Agnès",
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "Bézier",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Hénin",
    "Faure",
    "André",
    "Mercier",
]
DOMAINS = [
    "free.fr",
    "orange.fr",
    "laposte.net",
    "wanadoo.fr",
    "gmail.com",
    "scop-ouest.coop",
    "asso-lien.org",
    "cooperer.net",
    "yahoo.fr",
    "riseup.net",
]
TOPICS = [
    "Assemblée générale de juin",
    "Compte rendu de la réunion du comité",
    "Mutualiser nos outils de gestion",
    "Charte du réseau : nouvelle version",
    "Question sur les statuts de SCIC",
    "Formation à l'animation de réunions",
    "Rencontre d'été : hébergement",
    "Budget participatif 2007",
    "Logiciels libres au bureau",
    "Appel à témoignages",
    "Désimplication des bénévoles",
    "Liste des adhérents à jour ?",
    "Subvention régionale refusée",
    "Coopération avec le réseau voisin",
    "Site web en panne",
    "Proposition de groupe de travail",
    "Tarifs des cotisations",
    "Non-dits au conseil",
    "Présentation : nouvelle coopérative",
    "Covoiturage pour Autrans",
]
SENTENCES = [
    "Je suis d'accord avec ce qui a été dit, mais il faudrait préciser le calendrier.",
    "Chez nous, la question s'est posée l'an dernier et nous avons choisi de voter à main levée.",
    "Est-ce que quelqu'un a déjà essayé de partager un agenda entre plusieurs associations ?",
    "La réunion de jeudi est déplacée à 18 h, même salle.",
    "Merci pour ce compte rendu très complet, c'est précieux pour ceux qui n'étaient pas là.",
    "Il me semble que le bureau s'épuise et que personne n'ose le dire.",
    "Nous pourrions proposer un atelier sur ce thème lors des prochaines journées d'été.",
    "Les bénévoles ont besoin de savoir à quoi sert leur travail, sinon ils s'éloignent.",
    "Je joins la dernière version du document, corrigée après nos échanges.",
    "From the start we agreed on this, as the English partners wrote last year.",
    "From my side, rien à ajouter : allons-y.",
    "À noter : la cotisation passe à 15 € pour les structures de moins de 5 salarié·es.",
    "Le groupe de Grenoble propose d'accueillir la rencontre ; qu'en pensez-vous ?",
    "Je relaie l'appel du réseau voisin, qui cherche des témoignages de coopération.",
    "Pour les amateurs comme pour les professionnels, la charte doit rester lisible.",
    "Qui peut vérifier la liste des adhérents avant l'envoi des convocations ?",
]
SIGNATURES = [
    "-- \n{name}\nCoopérative {city}\nhttp://www.exemple.coop/",
    "--\n{name}\nTél. : 04 76 00 00 00",
    "{name}\nAnimatrice du réseau",
    "Cordialement,\n{name}",
]
CITIES = ["Grenoble", "Lyon", "Nantes", "Lille", "Toulouse", "Rennes", "Autrans"]
FOOTER = (
    "\n_______________________________________________\n"
    f"{LIST} mailing list\n{LIST_ADDRESS}\n"
    f"http://listes.exemple.coop/mailman/listinfo/{LIST}\n"
)
ATTACHMENTS = [
    ("compte-rendu.pdf", "application/pdf", b"%PDF-1.4\n"),
    ("statuts.odt", "application/vnd.oasis.opendocument.text", b"PK\x03\x04"),
    ("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0"),
]
BROKEN_KINDS = ["gmt_date", "double_brackets", "open_multipart", "mislabelled", "no_message_id"]
REPLY_PREFIXES = ["Re: ", "Re: ", "Re: ", "RE : ", "Re : ", "Réf. : ", "TR : "]


class Corpus:
    def __init__(self, messages: int, seed: int):
        self.rng = random.Random(seed)
        self.total = messages
        self.people = [self._person(i) for i in range(max(30, messages // 150))]
        self.start = datetime(2005, 9, 1, 8, 0, tzinfo=timezone(timedelta(hours=2)))

    def _person(self, index: int) -> tuple[str, str]:
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{first}.{last}".lower().translate(str.maketrans("éèëêïîôöàâçü", "eeeeiiooaacu"))
        return f"{first} {last}", f"{local}{index}@{rng.choice(DOMAINS)}"

    def _text(self, sentences: int) -> str:
        lines = [self.rng.choice(SENTENCES) for _ in range(sentences)]
        return "\n\n".join(lines)

    def plan(self) -> list[dict]:
        """Every message as a dict (author, date, subject, parent index, flags), in
        the order the list sent them."""
        rng = self.rng
        out: list[dict] = []
        open_threads: list[list[int]] = []
        clock = self.start
        while len(out) < self.total:
            clock += timedelta(minutes=rng.expovariate(1 / 25))
            if not open_threads or rng.random() < 0.18:
                topic = rng.choice(TOPICS)
                if rng.random() < 0.5:
                    topic += f" ({rng.randint(2, 99)})"
                index = len(out)
                out.append({"subject": topic, "parent": None, "date": clock})
                open_threads.append([index])
                if len(open_threads) > 12:
                    open_threads.pop(0)
                continue
            thread = rng.choice(open_threads)
            parent = thread[-1] if rng.random() < 0.7 else rng.choice(thread)
            index = len(out)
            out.append({"subject": out[thread[0]]["subject"], "parent": parent, "date": clock})
            thread.append(index)
            if len(thread) >= rng.randint(3, 40):
                open_threads.remove(thread)
        for index, item in enumerate(out):
            item["index"] = index
            item["author"] = rng.choice(self.people)
            item["charset"] = rng.choices(["utf-8", "iso-8859-1", "windows-1252"], [6, 3, 1])[0]
            item["attachment"] = rng.random() < 0.05
            item["broken"] = rng.choice(BROKEN_KINDS) if rng.random() < 0.02 else ""
            # 3 % of replies lost their threading headers; they come within two days.
            item["no_refs"] = item["parent"] is not None and rng.random() < 0.03
            if item["no_refs"] and item["date"] - out[item["parent"]]["date"] > timedelta(days=2):
                item["no_refs"] = False
            domain = item["author"][1].split("@")[1]
            item["message_id"] = f"{index}.{rng.getrandbits(40):x}@{domain}"
            item["text"] = self._text(rng.randint(1, 4))
        return out


def _header(value: str) -> str:
    return value if value.isascii() else Header(value, "utf-8").encode()


def _references(plan: list[dict], item: dict) -> list[str]:
    chain, parent = [], item["parent"]
    while parent is not None:
        chain.append(plan[parent]["message_id"])
        parent = plan[parent]["parent"]
    chain.reverse()
    return chain


def _quoted(plan: list[dict], item: dict, rng: random.Random) -> str:
    parent = plan[item["parent"]]
    name = parent["author"][0]
    when = parent["date"]
    if rng.random() < 0.7:
        attribution = f"Le {when:%d/%m/%Y %H:%M}, {name} a écrit :"
    else:
        attribution = f"On {when:%a, %b %d, %Y at %H:%M}, {name} wrote:"
    quoted = "\n".join("> " + line if line else ">" for line in parent["text"].split("\n"))
    return f"{attribution}\n{quoted}\n"


def _body_bytes(text: str, charset: str, broken: str) -> tuple[bytes, str, str]:
    """(encoded body, Content-Type charset label, Content-Transfer-Encoding)."""
    if broken == "mislabelled":
        return text.encode("iso-8859-1", "replace"), "utf-8", "8bit"
    if charset == "utf-8":
        return text.encode("utf-8"), "utf-8", "8bit"
    raw = text.replace("€", "EUR") if charset == "iso-8859-1" else text
    raw = raw.encode(charset, "replace")
    if charset == "windows-1252":
        return base64.encodebytes(raw), charset, "base64"
    import quopri

    return quopri.encodestring(raw), charset, "quoted-printable"


def render(plan: list[dict], item: dict, rng: random.Random) -> bytes:
    name, address = item["author"]
    subject = f"[liste] {item['subject']}"
    if item["parent"] is not None:
        subject = rng.choice(REPLY_PREFIXES) + subject
    text = item["text"]
    if item["parent"] is not None and rng.random() < 0.8:
        text = text + "\n\n" + _quoted(plan, item, rng)
    signature = rng.choice(SIGNATURES).format(name=name, city=rng.choice(CITIES))
    text = f"{text}\n\n{signature}\n{FOOTER}"
    date = format_datetime(item["date"])
    if item["broken"] == "gmt_date":
        date = item["date"].strftime("%a, %d %b %Y %H:%M:%S GMT+00:00")
    headers = [
        f"From: {_header(name)} <{address}>",
        f"To: {LIST_ADDRESS}",
        f"Subject: {_header(subject)}",
        f"Date: {date}",
    ]
    if item["broken"] == "double_brackets":
        headers.append(f"Message-ID: <<{item['message_id']}>>")
    elif item["broken"] != "no_message_id":
        headers.append(f"Message-ID: <{item['message_id']}>")
    if item["parent"] is not None and not item["no_refs"]:
        refs = _references(plan, item)
        if len(refs) > 3 and rng.random() < 0.3:
            refs = refs[-3:]
        headers.append(f"In-Reply-To: <{refs[-1]}>")
        headers.append("References: " + "\n\t".join(f"<{ref}>" for ref in refs))
    headers += [
        f"List-Id: {_header('Réseau coopératif')} <{LIST}.listes.exemple.coop>",
        f"List-Post: <mailto:{LIST_ADDRESS}>",
        "Precedence: list",
        "MIME-Version: 1.0",
    ]
    body, label, encoding = _body_bytes(text, item["charset"], item["broken"])
    if not item["attachment"] and item["broken"] != "open_multipart":
        headers += [
            f"Content-Type: text/plain; charset={label}",
            f"Content-Transfer-Encoding: {encoding}",
        ]
        return ("\n".join(headers) + "\n\n").encode("ascii") + body
    boundary = f"=_part_{item['index']}_{rng.getrandbits(32):x}"
    filename, content_type, magic = rng.choice(ATTACHMENTS)
    payload = magic + rng.randbytes(rng.randint(2_000, 20_000))
    parts = [
        f"--{boundary}\nContent-Type: text/plain; charset={label}\n"
        f"Content-Transfer-Encoding: {encoding}\n\n".encode("ascii")
        + body
        + b"\n",
        f'--{boundary}\nContent-Type: {content_type}; name="{filename}"\n'
        f'Content-Disposition: attachment; filename="{filename}"\n'
        "Content-Transfer-Encoding: base64\n\n".encode("ascii")
        + base64.encodebytes(payload),
    ]
    closing = b"" if item["broken"] == "open_multipart" else f"--{boundary}--\n".encode("ascii")
    headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
    return ("\n".join(headers) + "\n\n").encode("ascii") + b"".join(parts) + closing


def _escape_from(message: bytes) -> bytes:
    """mboxrd: a body line starting with ">*From " gets one more ">"."""
    lines = message.split(b"\n")
    return b"\n".join(
        b">" + line if line.lstrip(b">").startswith(b"From ") else line for line in lines
    )


def truth_of(plan: list[dict]) -> list[dict]:
    """What the importer should find: each message's key and its parent's key."""

    def key(item):
        return f"#{item['index']}" if item["broken"] == "no_message_id" else item["message_id"]

    return [
        {
            "key": key(item),
            "parent": None if item["parent"] is None else key(plan[item["parent"]]),
            "no_refs": item["no_refs"],
            "broken": item["broken"],
            "attachment": item["attachment"],
        }
        for item in plan
    ]


def write_mbox(path: Path, messages: int, seed: int) -> dict:
    corpus = Corpus(messages, seed)
    plan = corpus.plan()
    rng = random.Random(seed + 1)
    with path.open("wb") as out:
        for item in plan:
            _name, address = item["author"]
            envelope = item["date"].astimezone(UTC).strftime("%a %b %d %H:%M:%S %Y")
            out.write(f"From {address} {envelope}\n".encode("ascii"))
            out.write(_escape_from(render(plan, item, rng)).rstrip(b"\n") + b"\n\n")
    truth = truth_of(plan)
    path.with_suffix(".truth.json").write_text(json.dumps(truth))
    return _summary(truth, path)


def write_pipermail(directory: Path, messages: int, seed: int) -> dict:
    """Mailman 2's monthly archive files, text only, addresses with " at "."""
    corpus = Corpus(messages, seed)
    plan = corpus.plan()
    months: dict[str, list[bytes]] = defaultdict(list)
    for item in plan:
        name, address = item["author"]
        obfuscated = address.replace("@", " at ")
        when = item["date"].astimezone(UTC)
        lines = [
            f"From {obfuscated}  {when:%a %b %d %H:%M:%S %Y}",
            f"From: {obfuscated} ({name})",
            f"Date: {format_datetime(item['date'])}",
            "Subject: "
            + ("Re: " if item["parent"] is not None else "")
            + f"[liste] {item['subject']}",
        ]
        if item["parent"] is not None and not item["no_refs"]:
            refs = _references(plan, item)
            lines.append(f"In-Reply-To: <{refs[-1]}>")
            lines.append("References: " + "\n\t".join(f"<{ref}>" for ref in refs))
        lines.append(f"Message-ID: <{item['message_id']}>")
        text = item["text"]
        if item["attachment"]:
            text += (
                "\n-------------- next part --------------\n"
                "A non-text attachment was scrubbed...\nName: compte-rendu.pdf\n"
                f"URL: http://listes.exemple.coop/pipermail/{LIST}/attachments/x.pdf\n"
            )
        body = "\n".join(
            ">" + line if line.startswith("From ") else line for line in text.split("\n")
        )
        months[f"{when:%Y-%B}"].append(("\n".join(lines) + "\n\n" + body + "\n\n").encode("utf-8"))
    directory.mkdir(parents=True, exist_ok=True)
    for month, entries in months.items():
        with gzip.open(directory / f"{month}.txt.gz", "wb") as out:
            out.write(b"".join(entries))
    for item in plan:
        item["broken"] = ""  # pipermail keeps every Message-ID; nothing else breaks
    truth = truth_of(plan)
    (directory / "truth.json").write_text(json.dumps(truth))
    return _summary(truth, directory)


def _summary(truth: list[dict], where: Path) -> dict:
    return {
        "path": str(where),
        "messages": len(truth),
        "threads": sum(1 for t in truth if t["parent"] is None),
        "attachments": sum(1 for t in truth if t["attachment"]),
        "broken": sum(1 for t in truth if t["broken"]),
        "no_refs": sum(1 for t in truth if t["no_refs"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2007)
    parser.add_argument("--pipermail", action="store_true")
    args = parser.parse_args(argv)
    if args.pipermail:
        summary = write_pipermail(args.out, args.messages, args.seed)
    else:
        summary = write_mbox(args.out, args.messages, args.seed)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
