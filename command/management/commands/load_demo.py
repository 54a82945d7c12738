from django.core.management.base import BaseCommand

from command import demo


class Command(BaseCommand):
    help = "Load the demo district once (a second run adds nothing)."

    def handle(self, *args, **options):
        created = demo.load()
        total = sum(created.values())
        summary = ", ".join(f"{name} +{count}" for name, count in created.items())
        if total:
            self.stdout.write(self.style.SUCCESS(f"Demo district loaded: {summary}"))
        else:
            self.stdout.write("Demo district already present; nothing added.")
