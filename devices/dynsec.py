"""The broker's identities and ACLs, managed through Mosquitto 2's dynamic security plugin:
commands published on $CONTROL/dynamic-security/v1, answers read from …/v1/response, as the
admin identity the application holds (settings.MQTT_ADMIN_URL). No file is rewritten by us; the
plugin keeps its own state, and deleting or disabling a client disconnects it at once.

One short connection per call: device administration is rare, and a long-lived admin
connection would be one more thing to supervise.
"""

from __future__ import annotations

import json
import threading
import uuid

from django.conf import settings
from django.utils.translation import gettext as _

from core import mqtt
from core.errors import DomainError

CONTROL = "$CONTROL/dynamic-security/v1"
RESPONSE = CONTROL + "/response"
TIMEOUT_S = 10


class BrokerError(DomainError):
    """The broker could not be reached or refused a command; nothing was changed by us."""

    status = 503


def execute(commands: list[dict], *, url: str | None = None, ok_errors: tuple[str, ...] = ()) -> list[dict]:
    """Send commands in one message; their responses, in order. A response with an error not in
    `ok_errors` (e.g. "Client already exists" when that is fine) raises BrokerError."""
    import paho.mqtt.client as paho

    url = url or settings.MQTT_ADMIN_URL
    # Every admin connection reads every answer on the response topic: ours carry this mark.
    correlation = uuid.uuid4().hex
    commands = [{**c, "correlationData": correlation} for c in commands]
    done = threading.Event()
    subscribed = threading.Event()
    answer: dict = {}
    failure: list[str] = []

    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"command-admin-{uuid.uuid4().hex[:12]}",
                         protocol=paho.MQTTv5)

    def on_connect(c, userdata, flags, reason, properties):
        if reason.is_failure:
            failure.append(str(reason))
            done.set()
            subscribed.set()
            return
        c.subscribe(RESPONSE, qos=1)

    def on_subscribe(c, userdata, mid, reasons, properties):
        if any(r.is_failure for r in reasons):
            failure.append("the broker refused the admin identity the control topic")
            done.set()
        subscribed.set()

    def on_message(c, userdata, message):
        try:
            data = json.loads(message.payload)
        except ValueError:
            return
        if any(r.get("correlationData") == correlation for r in data.get("responses", [])):
            answer.update(data)
            done.set()

    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    try:
        mqtt.paho_connect(client, url, settings.MQTT_CA_FILE, keepalive=30)
    except (OSError, ValueError) as exc:
        raise BrokerError(_("The MQTT broker cannot be reached (%(error)s); nothing was changed.")
                          % {"error": exc}) from None
    client.loop_start()
    try:
        if not subscribed.wait(TIMEOUT_S) or failure:
            raise BrokerError(_("The MQTT broker refused the device administration (%(error)s); nothing was "
                                "changed.") % {"error": ", ".join(failure) or "timeout"})
        client.publish(CONTROL, json.dumps({"commands": commands}), qos=1)
        if not done.wait(TIMEOUT_S) or failure:
            raise BrokerError(_("The MQTT broker did not answer the device administration (%(error)s).")
                              % {"error": ", ".join(failure) or "timeout"})
    finally:
        client.disconnect()
        client.loop_stop()
    responses = answer.get("responses", [])
    for response in responses:
        error = response.get("error")
        if error and error not in ok_errors:
            raise BrokerError(_("The MQTT broker refused “%(command)s”: %(error)s")
                              % {"command": response.get("command"), "error": error})
    return responses


def acl(kind: str, topic: str, allow: bool = True) -> dict:
    return {"acltype": kind, "topic": topic, "allow": allow, "priority": 0}


def role_replace(rolename: str, acls: list[dict]) -> None:
    """Make the role hold exactly these ACLs (created if missing)."""
    execute([{"command": "createRole", "rolename": rolename}], ok_errors=("Role already exists",))
    current = execute([{"command": "getRole", "rolename": rolename}])[0].get("data", {}).get("role", {})
    have = {(a["acltype"], a["topic"], a.get("allow", True)) for a in current.get("acls", [])}
    want = {(a["acltype"], a["topic"], a["allow"]) for a in acls}
    commands = [{"command": "removeRoleACL", "rolename": rolename, "acltype": k, "topic": t}
                for k, t, allow in have if (k, t, allow) not in want]
    commands += [{"command": "addRoleACL", "rolename": rolename, **acl(k, t, allow)}
                 for k, t, allow in want if (k, t, allow) not in have]
    if commands:
        execute(commands)


def client_create(username: str, password: str, rolename: str, text: str = "") -> None:
    """A new client with this password and role. A client of that name left on the broker (a
    commit that failed, a lost database) is replaced: it belongs to nobody we know."""
    create = {"command": "createClient", "username": username, "password": password, "textname": text[:100],
              "roles": [{"rolename": rolename}]}
    responses = execute([create], ok_errors=("Client already exists",))
    if responses and responses[0].get("error"):
        execute([{"command": "deleteClient", "username": username}, create])


def client_password(username: str, password: str) -> None:
    execute([{"command": "setClientPassword", "username": username, "password": password}])


def client_kick(username: str) -> None:
    """Disconnect a client now (disable then enable: the plugin kicks a disabled client)."""
    execute([{"command": "disableClient", "username": username}, {"command": "enableClient", "username": username}])


def client_delete(username: str) -> None:
    """Gone from the broker: disconnected at once, and no password works for it any more."""
    execute([{"command": "deleteClient", "username": username}], ok_errors=("Client not found",))


def role_delete(rolename: str) -> None:
    execute([{"command": "deleteRole", "rolename": rolename}], ok_errors=("Role not found",))


def clients() -> list[str]:
    responses = execute([{"command": "listClients", "verbose": False, "count": -1}])
    return list(responses[0].get("data", {}).get("clients", []))
