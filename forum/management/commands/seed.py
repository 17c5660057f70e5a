from django.core.management.base import BaseCommand, CommandError

from forum.errors import SeedError
from forum.seed.loader import DEFAULT_PROGRAMME, programme_load


class Command(BaseCommand):
    help = "Load the Intercoop 2007 programme (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_PROGRAMME), help="programme TOML file")

    def handle(self, *args, **options):
        try:
            counts = programme_load(path=options["file"])
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"programme loaded: {counts['created']} created, {counts['updated']} updated"
        )
