"""Make the broker's identities and ACLs match the device registry (scripts/bootstrap.sh runs it
after every migrate; safe to run any time)."""

from django.core.management.base import BaseCommand

from devices import services


class Command(BaseCommand):
    help = "Push the registry's roles and ACLs to the MQTT broker (dynamic security plugin)."

    def handle(self, *args, **opts):
        report = services.devices_broker_sync()
        self.stdout.write(f"{report['devices']} active device(s); removed from the broker: "
                          f"{', '.join(report['removed']) or 'none'}")
        if report["missing"]:
            self.stderr.write("Not on the broker (rotate their credentials to onboard them again): "
                              + ", ".join(report["missing"]))
