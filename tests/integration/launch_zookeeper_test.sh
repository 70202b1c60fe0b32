#!/usr/bin/env bash
# bin/launch-container --master zk://...: the leading master found in a real
# ZooKeeper (Debian's server, the test's own), where master stand-ins
# register as 1.0.1 masters do; a non-leader's redirect; the leader changing
# while the task runs; a task that ended meanwhile; ZooKeeper unreachable.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"

zookeeper

# --- the leader is found: the first to register (lowest sequence) leads
master a --zk "$ZK/mesos" --offer o1:1:256
A=$PORT
master b --zk "$ZK/mesos" --known-task TASK_RUNNING
B=$PORT
MASTER=zk://$ZK/mesos launch failover -- 'exec sleep 600'
check "SUBSCRIBE goes to the leading master" eventually 20 recorded a ACCEPT
equals "none to the other" "" "$(calls b)"
contains "the framework asks for a failover timeout" "failover_timeout: 120" "$(grep ^SUBSCRIBE "$T/a/record")"

# --- the leader changes while the task runs: the output goes on, the code is the task's
echo "before the failover" >"$T/a/sandbox/stdout"
tell a "update TASK_RUNNING"
check "the task's output is tailed" eventually 20 grep -q "before the failover" "$T/failover/out"
tell a resign
check "after the leader left, the framework subscribes to the new one" eventually 30 recorded b SUBSCRIBE
contains "again with its framework id" 'framework_id { value: "standin-framework" }' "$(grep ^SUBSCRIBE "$T/b/record")"
contains "in its FrameworkInfo too" 'id { value: "standin-framework" }' \
  "$(grep ^SUBSCRIBE "$T/b/record" | sed 's/.*framework_info {//')"
check "then reconciles its task" eventually 20 recorded b RECONCILE
contains "naming the task and its agent" \
  "reconcile { tasks { task_id { value: \"$(cid failover)\" } agent_id { value: \"agent-o1\" } } }" \
  "$(grep ^RECONCILE "$T/b/record")"
echo "after the failover" >>"$T/a/sandbox/stdout"
check "the output goes on" eventually 20 grep -q "after the failover" "$T/failover/out"
tell b "update TASK_FAILED Command exited with status 3"
ended
equals "the task's exit code, through the new leader" 3 "$RC"
contains "the loss is told" "launch-container: lost the master at 127.0.0.1:$A" "$(cat "$T/failover/err")"
contains "and the new subscription" "subscribed again as framework standin-framework; reconciling task" \
  "$(cat "$T/failover/err")"
contains "the reconciled state is printed" "TASK_RUNNING on agent agent-o1 (standin-o1): Reconciliation: Latest task state" \
  "$(cat "$T/failover/err")"
equals "the new leader hears: subscribe, reconcile, the ack of the end, teardown" \
  "SUBSCRIBE RECONCILE ACKNOWLEDGE TEARDOWN " "$(calls b)"
equals "stdout is the task's, whole" "before the failover
after the failover" "$(cat "$T/failover/out")"

# failover_while_running NAME LEADER FOLLOWER STATE: stand-ins LEADER and
# FOLLOWER under $ZK/NAME, FOLLOWER knowing the task in STATE (as after its
# agent re-registered); the task launched and running, then LEADER resigns.
failover_while_running() {
  master "$2" --zk "$ZK/$1" --offer o1:1:256
  master "$3" --zk "$ZK/$1" --known-task "$4"
  MASTER=zk://$ZK/$1 launch "$1" -- 'exec sleep 600'
  eventually 20 recorded "$2" ACCEPT
  tell "$2" "update TASK_RUNNING"
  eventually 20 grep -q TASK_RUNNING "$T/$1/err"
  tell "$2" resign
}

# --- the task ended during the failover: its end comes from reconciliation
failover_while_running ended c d TASK_FINISHED
ended
equals "a task that finished meanwhile exits 0" 0 "$RC"
contains "its end is the reconciled state" \
  "TASK_FINISHED on agent agent-o1 (standin-o1): Reconciliation: Latest task state" "$(cat "$T/ended/err")"
equals "nothing acknowledged (the master's own update), then teardown" "SUBSCRIBE RECONCILE TEARDOWN " "$(calls d)"

# --- a reconciled TASK_FAILED has no exit status: the agent's own update brings it
failover_while_running failed g h TASK_FAILED
check "the reconciled end is printed, and the exit status awaited" \
  eventually 20 grep -q "waiting for the agent's own update of the end" "$T/failed/err"
tell h "update TASK_FAILED Command exited with status 5"
ended
equals "the exit code is the one the agent's update says" 5 "$RC"

# --- file:// holding a zk:// URL with digest credentials; a non-leader redirects
master e --zk "$ZK/redirect" --offer o1:1:256
E=$PORT
master f --zk "$ZK/redirect"
F=$PORT
echo "zk://ops:secret@$ZK/redirect" >"$T/zk-url"
MASTER=file://$T/zk-url launch viafile -- true
check "file:// finds the leader" eventually 20 recorded e ACCEPT
tell e "update TASK_FINISHED"
ended
equals "and the task runs to its end" 0 "$RC"
# On the command line the credentials are warned of, as --secret, and hidden from ps (issue 30).
MASTER=zk://ops:secret@$ZK/redirect launch inargv -- true
check "zk:// credentials on the command line find the leader" \
  eventually 20 eval '[ "$(grep -c ^ACCEPT "$T/e/record")" = 2 ]'
cmdline=$(tr '\0' ' ' <"/proc/$LAUNCHER/cmdline")
contains "ps shows the zk:// URL" "zk://" "$cmdline"
equals "but not its credentials" "" "$(grep -o 'ops:secret' <<<"$cmdline")"
equals "which are warned of" \
  "launch-container: warning: zk:// credentials in --master are visible in ps until launch-container starts; put the URL in a file and use --master file://PATH" \
  "$(head -n 1 "$T/inargv/err")"
tell e "update TASK_FINISHED"
ended
MASTER="zk://ops:secret@$ZK" launch nopath -- true
ended
equals "a zk:// URL without a path is refused" 2 "$RC"
equals "in one line that does not echo its credentials" \
  "launch-container: the zk:// URL 'zk://***@$ZK' needs a path such as /mesos (--help for usage)" "$(cat "$T/nopath/err")"
MASTER=127.0.0.1:$F launch redirected -- true
check "a non-leader's 307 is followed to the leader" eventually 20 eval '[ "$(grep -c ^ACCEPT "$T/e/record")" = 3 ]'
tell e "update TASK_FINISHED"
ended
equals "the redirected run ends as well" 0 "$RC"
equals "the non-leader took no call" "" "$(calls f)"

# --- ZooKeeper unreachable, or no master in it: one line within --timeout
nobody=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MASTER=zk://127.0.0.1:$nobody/mesos launch unreachable --timeout 2 -- true
ended
equals "ZooKeeper unreachable exits 1" 1 "$RC"
equals "with one line" "launch-container: cannot reach ZooKeeper at 127.0.0.1:$nobody within 2 s" \
  "$(cat "$T/unreachable/err")"
MASTER=zk://$ZK/nobody launch nobody --timeout 2 -- true
ended
equals "no master in ZooKeeper exits 1" 1 "$RC"
equals "with one line" "launch-container: no master leads in ZooKeeper at $ZK/nobody within 2 s (0 members)" \
  "$(cat "$T/nobody/err")"
finish
