#!/usr/bin/env bash
# Host mode against an agent that misbehaves as a real one was seen to under
# load and across restarts: it closes the connection after each response,
# answers an UPDATE by closing the socket (with and without handling it),
# holds the LAUNCH back for longer than 30 s while the stream stays open,
# goes away while the task ends and comes back, and freezes (answers
# nothing, as an agent whose libprocess workers are all blocked). Each
# time exactly one terminal update with the right state is handled, and
# the executor exits. The long cases share one 35 s window.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"

# terminal_updates NAME: how many terminal updates the agent handled
# (first sight of a uuid, by UPDATE or in a SUBSCRIBE; not the duplicates).
terminal_updates() { grep -cE '^(UPDATE|RESENT) TASK_(FINISHED|FAILED|KILLED)' "$T/$1.agent.log"; }
# cpu_ticks PID: user + system clock ticks of the process, all its threads.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# alive_for SECONDS PID: the process is still there after SECONDS.
alive_for() { timeout "$1" tail --pid="$2" -f /dev/null; [ $? = 124 ]; }
# launch_released LABEL NAME: NAME's checkpointed task, which ends (echoing
# `released`) when its sandbox has a file `release`; its executor recovers
# from an agent that is away for up to 10 minutes.
launch_released() {
  check "$1: launch a checkpointed task that ends when told" \
    launch_host "$2" 'while [ ! -e release ]; do sleep 0.1; done; echo released' 64 \
    MESOS_CHECKPOINT=1 MESOS_RECOVERY_TIMEOUT=10mins MESOS_SUBSCRIPTION_BACKOFF_MAX=2secs
}
# finished_once NAME: wait reports exit 0, one TASK_FINISHED was handled, the executor is gone.
finished_once() {
  local n=$1 what=$2
  check "$what: wait returns" await_call "$n-wait" 60
  equals "$what: with the container's exit 0" 0 "$(status_of "$n")"
  equals "$what: exactly one terminal update handled" 1 "$(terminal_updates "$n")"
  contains "$what: TASK_FINISHED" "TASK_FINISHED" "$(grep -E '^(UPDATE|RESENT) TASK_FINISHED' "$T/$n.agent.log")"
  check "$what: the executor has exited" test -z "$(executor_pid "$n")"
}

# quick NAME WHAT FLAG...: a task that exits 0 against an agent with FLAGS,
# delivered once; the agent is left for the case's own checks.
quick() {
  local n=$1-$RUN what=$2
  shift 2
  agent "$n" "$@"
  check "$what: launch" launch_host "$n" "echo hi"
  wait_for "$n"
  finished_once "$n" "$what"
}

# --- the agent closes the connection after every response ----------------------
quick close "connection closed after each response" --close-after-response
stop_agent "close-$RUN"

# --- UPDATE answered by closing the socket, unhandled ----------------------------------
quick drop "the first three UPDATEs dropped" --drop-updates 3
n=drop-$RUN
equals "the three were dropped" 3 "$(grep -c '^DROPPED' "$T/$n.agent.log")"
contains "TASK_RUNNING went again, before TASK_FINISHED" "UPDATE TASK_RUNNING" "$(head -5 "$T/$n.agent.log" | tail -1)"
check "the sandbox tells of the retries" grep -q "not delivered (1 attempt(s)), retrying" "$(sandbox_of "$n")/stderr"
stop_agent "$n"

# --- UPDATE handled, then the socket closed instead of the answer ---------------------------
quick lose "two answers lost" --lose-responses 2
equals "both were handled" 2 "$(grep -cE '^UPDATE' "$T/lose-$RUN.agent.log")"
stop_agent "lose-$RUN"

# --- three long cases at once -------------------------------------------------------------------
# held: the LAUNCH comes 35 s after the container ended, the stream open.
held=held-$RUN
agent "$held" --hold-launch
check "held: launch a task that ends at once" launch_host "$held" "echo early"
wait_for "$held"
# away: the agent stops while the task runs, the task ends, the agent comes back 35 s later.
away=away-$RUN
agent "$away"
launch_released away "$away"
check "away: it runs" eventually 30 agent_saw "$away" "UPDATE TASK_RUNNING"
wait_for "$away"
# frozen: the container ends, no LAUNCH comes, and the agent stops answering.
frozen=frozen-$RUN
agent "$frozen" --hold-launch
check "frozen: launch a task that ends at once" launch_host "$frozen" "exit 0"
wait_for "$frozen"

check "held: the container ends" eventually 30 grep -q early "$(sandbox_of "$held")/stdout"
check "frozen: the executor subscribed" eventually 30 agent_saw "$frozen" "HELD LAUNCH"
signal_agent "$frozen" WINCH
port=$(cat "$T/$away.port")
stop_agent "$away"
away_pid=$(executor_pid "$away")
touch "$(sandbox_of "$away")/release"
check "away: the task ends while the agent is down" eventually 30 grep -q released "$(sandbox_of "$away")/stdout"
ticks=$(cpu_ticks "$away_pid")
check "held: 35 s later the executor still waits for the LAUNCH" alive_for 35 "$(executor_pid "$held")"
check "away: and so does the executor whose agent is away" kill -0 "$away_pid"
used=$(( $(cpu_ticks "$away_pid") - ticks ))
check "away: it used almost no CPU meanwhile ($used ticks in 35 s)" test "$used" -le 30

signal_agent "$held" HUP
finished_once "$held" "held LAUNCH"
contains "held: TASK_RUNNING first" "UPDATE TASK_RUNNING" "$(grep -m1 '^UPDATE' "$T/$held.agent.log")"
stop_agent "$held"

mv "$T/$away.agent.log" "$T/$away.agent.log.1"
agent "$away" --port "$port" --recovered
check "away: the executor resubscribes with the TASK_FINISHED" \
  eventually 30 agent_saw "$away" "SUBSCRIBE updates=TASK_FINISHED"
finished_once "$away" "the agent back"
stop_agent "$away"

check "frozen: the executor gives up on the agent and wait returns" await_call "$frozen-wait" 60
termination=$("$DC" decode Termination <"$T/$frozen-wait.out")
contains "frozen: the Termination tells the agent the task finished" "state: TASK_FINISHED" "$termination"
check "frozen: the sandbox says why" grep -q "the agent has not answered for 20 s (no LAUNCH came)" \
  "$(sandbox_of "$frozen")/stderr"
stop_agent "$frozen"

# restarted: the agent dies (the reading end of its wait's stdout closes)
# and comes back; its containerizer recovers the container only later, and
# says so with a new wait. A 0.28 or 1.0 agent destroys a container whose
# executor subscribes before that (executor.cpp, agent_restarting).
restarted=restarted-$RUN
agent "$restarted"
launch_released restarted "$restarted"
# The agent's wait, its result read through a pipe, as the agent reads it.
mkfifo "$T/$restarted.result"
cat "$T/$restarted.result" >/dev/null &
reader=$!
mkfifo "$T/$restarted.stdin"
{ cat "$(frame_for Wait "$(cid "$restarted")")"; exec sleep 600; } >"$T/$restarted.stdin" &
"$DC" wait <"$T/$restarted.stdin" >"$T/$restarted.result" 2>"$T/$restarted.wait-err" &
check "restarted: it runs" eventually 30 agent_saw "$restarted" "UPDATE TASK_RUNNING"
record=$(record_of "$restarted")/record.json
port=$(cat "$T/$restarted.port")
stop_agent "$restarted"
kill "$reader"
check "restarted: the wait sees its agent gone" eventually 10 grep -q '"agent_gone": true' "$record"
mv "$T/$restarted.agent.log" "$T/$restarted.agent.log.1"
agent "$restarted" --port "$port" --recovered
check "restarted: the executor asks whether the agent answers" eventually 30 agent_saw "$restarted" "HEALTH"
check "restarted: but does not subscribe before the agent's next wait" \
  eval '! agent_saw "$restarted" SUBSCRIBE'
check "restarted: and says why" grep -q "the agent is gone; subscribing once the next one has recovered it" \
  "$(sandbox_of "$restarted")/stderr"
wait_for "$restarted"
check "restarted: the new wait lets it subscribe" eventually 30 agent_saw "$restarted" "SUBSCRIBE"
touch "$(sandbox_of "$restarted")/release"
finished_once "$restarted" "restarted"
stop_agent "$restarted"
finish
