from django.core.management.base import BaseCommand, CommandError

import stream


class Command(BaseCommand):
    help = ("Run once after restoring the database from a backup, before the app serves again: moves the "
            "event log's sequence past every seq the lost history may have handed out, so clients holding one "
            "are told to reload (4400) instead of resuming silently (docs/operations.md, 'Restore to a point in "
            "time').")

    def add_arguments(self, parser):
        parser.add_argument("--gap", type=int, default=stream.RESTORE_GAP,
                            help=f"how far the sequence moves on (default {stream.RESTORE_GAP:,})")
        parser.add_argument("--note", default="", help="what was restored, for the record (backup label, target)")

    def handle(self, *args, gap, note, **options):
        if gap < 1:
            raise CommandError("--gap must be at least 1.")
        marked = stream.restore_continue(gap=gap, note=note)
        self.stdout.write(self.style.SUCCESS(
            f"Event log kept up to seq {marked.after_seq}; new events are numbered after {marked.resume_seq}. "
            f"Clients holding a seq in between are told to reload."))
