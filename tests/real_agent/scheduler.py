#!/usr/bin/env python3
"""A small v1 scheduler (HTTP + JSON) for the real-agent tests.

It subscribes to a Mesos master (0.24 and later), launches the tasks given
with --task as command tasks in a Docker image on the first offer that fits
them all, acknowledges every status update and prints what the framework
sees: one JSON object per line on stdout, flushed at once, e.g.
  {"event": "SUBSCRIBED", "framework_id": "..."}
  {"event": "LAUNCHED", "agent_id": "...", "tasks": ["t1", "t2"]}
  {"event": "UPDATE", "task_id": "t1", "state": "TASK_FAILED", "message": "...",
   "reason": "...", "source": "...", "agent_id": "..."}
It exits 0 once every task has reached a terminal state, after a TEARDOWN;
1 (with a line on stderr) on an error or when --timeout passes first.

With --role, --principal and --volume ID MIB CONTAINER_PATH every task gets
the persistent volume ID: from an offer that holds it already, or else made
on the first fitting offer by RESERVE of MIB of its unreserved disk for the
role and CREATE of the volume, in the ACCEPT that launches the tasks
  {"event": "VOLUME", "id": "...", "created": true}

With --check ID COMMAND task ID gets a command health check (shell), run at
once and every second, whose first failure kills the task; its updates say
  {"event": "UPDATE", ..., "healthy": true}

Only the standard library: tests run it with the system's python3.
"""
import argparse
import http.client
import json
import queue
import sys
import threading
import time

TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR",
            "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_UNKNOWN"}
PATH = "/api/v1/scheduler"


def emit(**fields):
    print(json.dumps(fields), flush=True)


def scalar(name, value):
    return {"name": name, "type": "SCALAR", "scalar": {"value": value}, "role": "*"}


def persistent_volume(offer, volume_id):
    """The offer's persistent volume `volume_id`, or None."""
    for r in offer.get("resources", []):
        if r.get("disk", {}).get("persistence", {}).get("id") == volume_id:
            return r
    return None


def volume_operations(args, offer):
    """(operations before LAUNCH, the volume's resource, created) for --volume, or None when the offer cannot hold it."""
    volume_id, mib, path = args.volume[0], float(args.volume[1]), args.volume[2]
    existing = persistent_volume(offer, volume_id)
    if existing:
        return [], existing, False
    if offered(offer, "disk") < mib:
        return None
    reserved = dict(scalar("disk", mib), role=args.role, reservation={"principal": args.principal})
    volume = dict(reserved, disk={"persistence": {"id": volume_id, "principal": args.principal},
                                  "volume": {"container_path": path, "mode": "RW"}})
    return [{"type": "RESERVE", "reserve": {"resources": [reserved]}},
            {"type": "CREATE", "create": {"volumes": [volume]}}], volume, True


def offered(offer, name):
    return sum(r.get("scalar", {}).get("value", 0) for r in offer.get("resources", [])
               if r.get("name") == name and r.get("role", "*") == "*")


class Master:
    def __init__(self, address):
        self.host, port = address.rsplit(":", 1)
        self.port = int(port)
        self.stream_id = None
        self.framework_id = None

    def subscribe(self, framework_info, events):
        """Opens the event stream; a thread puts each event on `events`."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        body = {"type": "SUBSCRIBE", "subscribe": {"framework_info": framework_info}}
        conn.request("POST", PATH, json.dumps(body),
                     {"Content-Type": "application/json", "Accept": "application/json"})
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError("SUBSCRIBE: %d %s: %s" % (response.status, response.reason,
                                                         response.read().decode(errors="replace")))
        # 0.24-0.27 send no stream id; later calls then go without it.
        self.stream_id = response.getheader("Mesos-Stream-Id")
        # Heartbeats come every 15 s: a read blocked far longer means the master is gone.
        conn.sock.settimeout(90)
        threading.Thread(target=self._read, args=(response, events), daemon=True).start()

    @staticmethod
    def _read(response, events):
        # RecordIO: "<length>\n<length bytes of JSON>", repeated.
        try:
            while True:
                digits = b""
                while not digits.endswith(b"\n"):
                    byte = response.read(1)
                    if not byte:
                        raise EOFError("the master closed the event stream")
                    digits += byte
                record = response.read(int(digits))
                events.put(json.loads(record))
        except Exception as e:  # noqa: BLE001 - any end of the stream is reported the same way
            events.put({"type": "STREAM_ENDED", "error": str(e)})

    def call(self, body):
        body = dict(body, framework_id={"value": self.framework_id})
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.stream_id:
            headers["Mesos-Stream-Id"] = self.stream_id
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request("POST", PATH, json.dumps(body), headers)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
            if response.status != 202:
                raise RuntimeError("%s: %d %s: %s" % (body["type"], response.status, response.reason, text))
        finally:
            conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--master", required=True, help="HOST:PORT")
    parser.add_argument("--name", default="real-agent-test")
    parser.add_argument("--image", required=True)
    parser.add_argument("--task", nargs=4, action="append", required=True, metavar=("ID", "CPUS", "MEM", "COMMAND"),
                        help="a command task (shell), its cpus and memory (MiB); repeatable")
    parser.add_argument("--checkpoint", action="store_true")
    parser.add_argument("--role", help="the framework's role (default: none, i.e. *)")
    parser.add_argument("--principal", help="the framework's principal")
    parser.add_argument("--volume", nargs=3, metavar=("ID", "MIB", "CONTAINER_PATH"),
                        help="a persistent volume for every task (needs --role and --principal)")
    parser.add_argument("--check", nargs=2, action="append", default=[], metavar=("ID", "COMMAND"),
                        help="a health check (shell command) for task ID; repeatable")
    parser.add_argument("--timeout", type=float, default=120, help="seconds until every task has ended")
    args = parser.parse_args()
    tasks = [{"id": t[0], "cpus": float(t[1]), "mem": float(t[2]), "command": t[3]} for t in args.task]
    checks = {task_id: {"command": {"value": command, "shell": True}, "delay_seconds": 0, "interval_seconds": 1,
                        "timeout_seconds": 20, "consecutive_failures": 1, "grace_period_seconds": 0}
              for task_id, command in args.check}
    need_cpus = sum(t["cpus"] for t in tasks)
    need_mem = sum(t["mem"] for t in tasks)

    master = Master(args.master)
    events = queue.Queue()
    if args.volume and not (args.role and args.principal):
        parser.error("--volume needs --role and --principal")
    framework_info = {"user": "root", "name": args.name, "checkpoint": args.checkpoint}
    for key in ("role", "principal"):
        if getattr(args, key):
            framework_info[key] = getattr(args, key)
    deadline = time.monotonic() + args.timeout
    launched = False
    ended = set()
    try:
        master.subscribe(framework_info, events)
        while len(ended) < len(tasks):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError("timed out after %g s; ended: %s" % (args.timeout, sorted(ended) or "none"))
            try:
                event = events.get(timeout=remaining)
            except queue.Empty:
                continue
            kind = event.get("type")
            if kind == "SUBSCRIBED":
                master.framework_id = event["subscribed"]["framework_id"]["value"]
                emit(event="SUBSCRIBED", framework_id=master.framework_id)
            elif kind == "OFFERS":
                for offer in event["offers"].get("offers", []):
                    # 0.24-0.27 name the agent slave_id, later versions agent_id.
                    agent_key = "agent_id" if "agent_id" in offer else "slave_id"
                    fits = offered(offer, "cpus") >= need_cpus - 1e-9 and offered(offer, "mem") >= need_mem
                    volume = volume_operations(args, offer) if args.volume and fits else ([], None, False)
                    if launched or not fits or volume is None:
                        master.call({"type": "DECLINE", "decline": {
                            "offer_ids": [offer["id"]], "filters": {"refuse_seconds": 1 if not launched else 3600}}})
                        continue
                    infos = [{
                        "name": t["id"], "task_id": {"value": t["id"]}, agent_key: offer[agent_key],
                        "resources": [scalar("cpus", t["cpus"]), scalar("mem", t["mem"])] + ([volume[1]] if volume[1] else []),
                        "command": {"value": t["command"], "shell": True},
                        "container": {"type": "DOCKER", "docker": {"image": args.image}},
                    } for t in tasks]
                    for info in infos:
                        if info["name"] in checks:
                            info["health_check"] = checks[info["name"]]
                    master.call({"type": "ACCEPT", "accept": {
                        "offer_ids": [offer["id"]],
                        "operations": volume[0] + [{"type": "LAUNCH", "launch": {"task_infos": infos}}],
                        "filters": {"refuse_seconds": 3600}}})
                    launched = True
                    if args.volume:
                        emit(event="VOLUME", id=args.volume[0], created=volume[2])
                    emit(event="LAUNCHED", agent_id=offer[agent_key]["value"], tasks=[t["id"] for t in tasks])
            elif kind == "UPDATE":
                status = event["update"]["status"]
                agent = status.get("agent_id") or status.get("slave_id") or {}
                update = dict(task_id=status["task_id"]["value"], state=status["state"],
                              message=status.get("message", ""), reason=status.get("reason", ""),
                              source=status.get("source", ""), agent_id=agent.get("value", ""))
                if "healthy" in status:
                    update["healthy"] = status["healthy"]
                emit(event="UPDATE", **update)
                if "uuid" in status:
                    master.call({"type": "ACKNOWLEDGE", "acknowledge": {
                        "agent_id" if "agent_id" in status else "slave_id": agent,
                        "task_id": status["task_id"], "uuid": status["uuid"]}})
                if status["state"] in TERMINAL:
                    ended.add(status["task_id"]["value"])
            elif kind == "ERROR":
                raise RuntimeError("the master sent ERROR: %s" % event.get("error", {}).get("message", ""))
            elif kind == "STREAM_ENDED":
                raise RuntimeError(event["error"])
        master.call({"type": "TEARDOWN"})
        return 0
    except Exception as e:  # noqa: BLE001 - one line for any failure
        print("scheduler: %s" % e, file=sys.stderr, flush=True)
        if master.framework_id:
            try:
                master.call({"type": "TEARDOWN"})
            except Exception:  # noqa: BLE001 - the master may be the thing that failed
                pass
        return 1


if __name__ == "__main__":
    sys.exit(main())
