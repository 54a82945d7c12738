from django.core.management.base import BaseCommand, CommandError

from stream import eventdoc


class Command(BaseCommand):
    help = "Rewrite docs/api.md's list of stream events from the event registry (core.events)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="exit 1 if the list is stale, write nothing")

    def handle(self, *args, check, **options):
        path = eventdoc.doc_path()
        text = path.read_text()
        new = eventdoc.rewritten(text)
        if check:
            if new != text:
                raise CommandError(f"{path} is stale: run `manage.py stream_events_doc`")
            return
        if new != text:
            path.write_text(new)
        self.stdout.write(f"{path}: {'rewritten' if new != text else 'up to date'}")
