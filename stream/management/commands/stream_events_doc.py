from django.core.management.base import BaseCommand, CommandError

from stream import eventdoc


class Command(BaseCommand):
    help = ("Rewrite docs/api.md's list of stream events and the browser's module of event types "
            "(stream/static/stream/event_types.js) from the event registry (core.events).")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="exit 1 if either is stale, write nothing")

    def handle(self, *args, check, **options):
        doc = eventdoc.doc_path()
        text = doc.read_text()
        js = eventdoc.js_path()
        old_js = js.read_text() if js.exists() else ""
        outputs = [(doc, text, eventdoc.rewritten(text)), (js, old_js, eventdoc.js_module())]
        if check:
            stale = [str(path) for path, old, new in outputs if new != old]
            if stale:
                raise CommandError(f"{', '.join(stale)} stale: run `manage.py stream_events_doc`")
            return
        for path, old, new in outputs:
            if new != old:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(new)
            self.stdout.write(f"{path}: {'rewritten' if new != old else 'up to date'}")
