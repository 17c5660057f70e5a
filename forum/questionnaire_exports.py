"""A questionnaire's answers as a spreadsheet: CSV (UTF-8 with a byte order mark, so
that a spreadsheet opens it as UTF-8) and OpenDocument (ODS, written with odfpy).

Every text cell goes through `forum.exports.safe_cell`: an answer typed as
`=HYPERLINK(…)` is shown as typed, never run as a formula. A named questionnaire's
rows begin with the person's name and address; an anonymous one's with nothing of them.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from forum.exports import safe_cell
from forum.models import Questionnaire
from forum.selectors.responses import responses_read


def _shown(value) -> str:
    if value is True:
        return _("oui")
    if value is False:
        return _("non")
    if isinstance(value, list):
        return " ; ".join(str(item) for item in value)
    return str(value)


def answers_table(*, questionnaire: Questionnaire) -> list[list[str | int]]:
    """The header row, then one row per sent response; scale answers stay numbers."""
    questions, rows = responses_read(questionnaire=questionnaire)
    named = not questionnaire.is_anonymous
    header = ([_("Nom affiché"), _("Courriel")] if named else []) + [
        question.local_text for question in questions
    ]
    table: list[list[str | int]] = [[safe_cell(str(cell)) for cell in header]]
    for row in rows:
        cells: list[str | int] = []
        if named:
            profile = getattr(row.person, "profile", None)
            cells += [
                safe_cell(profile.display_name if profile else ""),
                safe_cell(row.person.email),
            ]
        for question in questions:
            value = row.values.get(question.pk, "")
            cells.append(
                value
                if isinstance(value, int) and not isinstance(value, bool)
                else safe_cell(_shown(value))
            )
        table.append(cells)
    return table


def answers_csv(*, questionnaire: Questionnaire) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in answers_table(questionnaire=questionnaire):
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def answers_ods(*, questionnaire: Questionnaire) -> bytes:
    document = OpenDocumentSpreadsheet()
    sheet = Table(name=_("Réponses"))
    for row in answers_table(questionnaire=questionnaire):
        table_row = TableRow()
        for value in row:
            if isinstance(value, int):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            table_row.addElement(cell)
        sheet.addElement(table_row)
    document.spreadsheet.addElement(sheet)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()
