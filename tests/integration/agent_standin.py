#!/usr/bin/env python3
"""A stand-in for a Mesos 1.0.1 agent's v1 executor API, for the host mode tests.

Serves POST /api/v1/executor on 127.0.0.1 for one executor and one task, and
appends one line per call it receives to --log. What each part copies from
the real agent (Mesos 1.0.1) is said where it is done:
  src/slave/http.cpp        Slave::Http::executor(): checks, status codes, the stream
  src/slave/validation.cpp  executor::call::validate()
  src/slave/slave.cpp       Slave::subscribe(), ___statusUpdate()
Control, as a test needs it: SIGUSR1 sends KILL, SIGUSR2 sends SHUTDOWN on the
open subscription; SIGHUP sends a LAUNCH held by --hold-launch; SIGWINCH
freezes it (connections accepted, nothing answered, as an agent whose
libprocess workers are all blocked); SIGTERM ends it like an agent that stops.
Misbehaviours seen of a real agent under load are flags (--close-after-response,
--drop-updates, --lose-responses, --hold-launch).
Speaks only protobuf (the real agent also speaks JSON; the executor never asks).
"""
import argparse
import json
import os
import queue
import re
import signal
import socket
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--python-out", required=True, help="protoc --python_out of proto/")
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--port-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--framework-id", required=True)
parser.add_argument("--executor-id", required=True, help="'*': any executor of the framework (scripts/bench)")
parser.add_argument("--task-id", required=True, help="'*': the same as the executor id")
parser.add_argument("--launch-frame",
                    help="the Launch frame (read at LAUNCH): its task_info is the task, as the framework made it")
parser.add_argument("--kill-policy-ns", type=int, help="the TaskInfo's kill policy grace period")
parser.add_argument("--kill-grace-ns", type=int, help="the KILL event's kill policy grace period")
parser.add_argument("--no-ack", action="store_true", help="acknowledge no update")
parser.add_argument("--recovered", action="store_true",
                    help="an agent that restarted: the task was launched before, never LAUNCH again")
parser.add_argument("--close-after-response", action="store_true",
                    help="close the connection after every response (Connection: close)")
parser.add_argument("--drop-updates", type=int, default=0,
                    help="answer the first N UPDATEs by closing the socket, unhandled")
parser.add_argument("--lose-responses", type=int, default=0,
                    help="handle the first N UPDATEs, then close the socket instead of answering")
parser.add_argument("--hold-launch", action="store_true", help="send the LAUNCH only on SIGHUP")
parser.add_argument("--task-killing", action="store_true",
                    help="the framework has the TASK_KILLING_STATE capability (in SUBSCRIBED)")
args = parser.parse_args()

sys.path.insert(0, args.python_out)
from proto import containerizer_pb2, executor_pb2, mesos_pb2  # noqa: E402

Event = executor_pb2.Event
Call = executor_pb2.Call
PROTOBUF = "application/x-protobuf"

lock = threading.Lock()
subscribers = []  # one queue of events per open SUBSCRIBE response
launched = set()  # executors whose task was sent (Slave::subscribe sends queued tasks once)
received = set()  # update uuids: StatusUpdateStream::update() ignores a duplicate, and re-acks it
held = []  # LAUNCH events --hold-launch keeps back
faults = {"drop": args.drop_updates, "lose": args.lose_responses}
frozen = threading.Event()


def record(line):
    with lock, open(args.log, "a") as log:
        log.write(line + "\n")


def broadcast(event):
    with lock:
        for events in subscribers:
            events.put(event)


def describe(status):
    words = [mesos_pb2.TaskState.Name(status.state),
             "source=" + mesos_pb2.TaskStatus.Source.Name(status.source),
             "uuid_bytes=%d" % len(status.uuid)]
    if status.HasField("reason"):
        words.append("reason=" + mesos_pb2.TaskStatus.Reason.Name(status.reason))
    if status.HasField("message"):
        words.append("message=" + status.message)
    words.append("task=" + status.task_id.value)
    # After the words the older tests read.
    if status.HasField("healthy"):
        words.append("healthy=" + ("true" if status.healthy else "false"))
    for network in status.container_status.network_infos:
        words.append("network=%s ip=%s labels=%s" % (
            network.name or "-", ",".join(a.ip_address for a in network.ip_addresses) or "-",
            ",".join("%s:%s" % (label.key, label.value) for label in network.labels.labels) or "-"))
    for label in status.labels.labels:
        words.append("label=%s:%s" % (label.key, label.value))
    if status.HasField("data"):
        words.append("data=" + inspected(status.data))
    return " ".join(words)


def inspected(data):
    """TASK_RUNNING's data: docker inspect's array (named by its container's Id), or its size."""
    try:
        return "inspect:" + json.loads(data)[0]["Id"]
    except (ValueError, LookupError, TypeError):
        return "%d bytes" % len(data)


def validate(call):
    """src/slave/validation.cpp executor::call::validate()."""
    if not call.HasField("type"):
        return "Expecting 'type' to be present"
    if call.type == Call.SUBSCRIBE and not call.HasField("subscribe"):
        return "Expecting 'subscribe' to be present"
    if call.type == Call.UPDATE:
        status = call.update.status
        if not status.HasField("uuid") or len(status.uuid) != 16:
            return "Expecting 'uuid' to be present"  # UUID::fromBytes needs 16 bytes
        if status.HasField("executor_id") and status.executor_id.value != call.executor_id.value:
            return "ExecutorID in Call does not match ExecutorID in TaskStatus"
        if status.source != mesos_pb2.TaskStatus.SOURCE_EXECUTOR:
            return "invalid source, expecting 'SOURCE_EXECUTOR'"
        if status.state == mesos_pb2.TASK_STAGING:
            return "TASK_STAGING is not allowed"
    return None


def acknowledge(status):
    """___statusUpdate(): ACKNOWLEDGED once the update is checkpointed, not after the framework's ack."""
    if args.no_ack:
        return
    event = Event(type=Event.ACKNOWLEDGED)
    event.acknowledged.task_id.value = status.task_id.value
    event.acknowledged.uuid = status.uuid
    broadcast(event)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def reply(self, code, text=""):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        if args.close_after_response:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def hang_up(self):
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def freeze_while_frozen(self):
        if frozen.is_set():
            threading.Event().wait()  # never set: a frozen agent stays frozen

    def do_GET(self):
        self.freeze_while_frozen()
        if re.fullmatch(r"/[^/]+/health", self.path):
            record("HEALTH")
            return self.reply(200)  # Slave::Http::health(): OK()
        self.reply(405)  # MethodNotAllowed({"POST"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.freeze_while_frozen()
        if self.path != "/api/v1/executor":
            return self.reply(404)
        content_type = self.headers.get("Content-Type")
        if content_type is None:
            return self.reply(400, "Expecting 'Content-Type' to be present")
        if content_type != PROTOBUF:
            return self.reply(415, "Expecting 'Content-Type' of application/x-protobuf")
        call = Call()
        try:
            call.ParseFromString(body)
        except Exception:
            return self.reply(400, "Failed to parse body into Call protobuf")
        error = validate(call)
        if error:
            record("REFUSED " + error)
            return self.reply(400, "Failed to validate Executor::Call: " + error)
        # The framework and executor lookups after validation.
        if call.framework_id.value != args.framework_id:
            record("REFUSED unknown framework")
            return self.reply(400, "Framework cannot be found")
        if args.executor_id != "*" and call.executor_id.value != args.executor_id:
            record("REFUSED unknown executor")
            return self.reply(400, "Executor cannot be found")
        if call.type == Call.SUBSCRIBE:
            return self.subscribe(call.executor_id.value, call.subscribe)
        if call.type == Call.UPDATE:
            return self.update(call.update.status)
        self.reply(501)

    def update(self, status):
        with lock:
            drop = faults["drop"] > 0
            faults["drop"] -= drop
            lose = not drop and faults["lose"] > 0
            faults["lose"] -= lose
            duplicate = status.uuid in received
            if not drop:
                received.add(status.uuid)
        if drop:
            record("DROPPED " + describe(status))
            return self.hang_up()
        record(("DUPLICATE " if duplicate else "UPDATE ") + describe(status))
        if lose:
            self.hang_up()
        else:
            self.reply(202)  # Accepted(), before the status update manager is done
        acknowledge(status)

    def subscribe(self, executor, subscribe):
        if PROTOBUF not in self.headers.get("Accept", ""):
            return self.reply(406, "Expecting 'Accept' to allow 'application/x-protobuf'")
        record("SUBSCRIBE updates=%s tasks=%s" % (
            ",".join(mesos_pb2.TaskState.Name(u.status.state) for u in subscribe.unacknowledged_updates),
            ",".join(t.task_id.value for t in subscribe.unacknowledged_tasks)))
        # OK with a PIPE body: libprocess sends it chunked.
        self.send_response(200)
        self.send_header("Content-Type", PROTOBUF)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        events = queue.Queue()
        with lock:
            subscribers.append(events)
        # Slave::subscribe(): SUBSCRIBED (ExecutorRegisteredMessage), then each
        # unacknowledged update handled as a new one, then the queued task.
        events.put(subscribed())
        for update in subscribe.unacknowledged_updates:
            with lock:
                duplicate = update.status.uuid in received
                received.add(update.status.uuid)
            record(("RESENT DUPLICATE " if duplicate else "RESENT ") + describe(update.status))
            acknowledge(update.status)
        with lock:
            launch = not args.recovered and executor not in launched
            launched.add(executor)
        if launch:
            event = Event(type=Event.LAUNCH)
            if args.launch_frame:
                event.launch.task.CopyFrom(task_of(args.launch_frame))
            else:
                event.launch.task.name = "task"
                event.launch.task.task_id.value = executor if args.task_id == "*" else args.task_id
            if args.kill_policy_ns is not None:
                event.launch.task.kill_policy.grace_period.nanoseconds = args.kill_policy_ns
            if args.hold_launch:
                with lock:
                    held.append(event)
                record("HELD LAUNCH")
            else:
                events.put(event)
        try:
            while True:
                data = events.get().SerializeToString()
                record_io = b"%d\n" % len(data) + data
                self.wfile.write(b"%x\r\n" % len(record_io) + record_io + b"\r\n")
                self.wfile.flush()
        except OSError:
            pass
        finally:
            with lock:
                subscribers.remove(events)


def task_of(frame):
    """The agent's LAUNCH carries the TaskInfo the framework sent, which the Launch frame holds too."""
    with open(frame, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<I", data[:4])
    return containerizer_pb2.Launch.FromString(data[4:4 + size]).task_info


def subscribed():
    """Slave::subscribe(): the FrameworkInfo as the scheduler gave it, with its id."""
    event = Event(type=Event.SUBSCRIBED)
    framework = event.subscribed.framework_info
    framework.user, framework.name = "root", "stand-in"
    framework.id.value = args.framework_id
    if args.task_killing:
        framework.capabilities.add().type = mesos_pb2.FrameworkInfo.Capability.TASK_KILLING_STATE
    return event


def kill(*_):
    event = Event(type=Event.KILL)
    event.kill.task_id.value = args.task_id
    if args.kill_grace_ns is not None:
        event.kill.kill_policy.grace_period.nanoseconds = args.kill_grace_ns
    record("SENT KILL")
    broadcast(event)


def shutdown(*_):
    record("SENT SHUTDOWN")
    broadcast(Event(type=Event.SHUTDOWN))


def release_launch(*_):
    with lock:
        events = held[:]
        held.clear()
    for event in events:
        record("SENT LAUNCH")
        broadcast(event)


def freeze(*_):
    record("FROZEN")
    frozen.set()


signal.signal(signal.SIGHUP, release_launch)
signal.signal(signal.SIGWINCH, freeze)
signal.signal(signal.SIGUSR1, kill)
signal.signal(signal.SIGUSR2, shutdown)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
server.daemon_threads = True
with open(args.port_file + ".tmp", "w") as port_file:
    port_file.write(str(server.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
server.serve_forever()
