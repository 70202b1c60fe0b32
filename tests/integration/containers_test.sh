#!/usr/bin/env bash
# `containers` lists this agent instance's containers (same
# MESOS_WORK_DIRECTORY), running or exited but not yet destroyed, and nothing
# else on the engine: not another agent instance's, not a plain `docker run`
# container even when it is named mesos-*. Destroyed ones drop out. One that
# ended while the agent was away stays listed until a wait delivered its
# Termination (a wait whose agent died delivered nothing), also once the
# engine lost it or the state directory was lost.
source "$(dirname "$0")/lib.sh"

# Ended containers stay on the engine, so "exited but not removed" is seen.
export CONTAINERIZER_REMOVE_DELAY=600

# listed: the ids `containers` reports for the current work directory, sorted
# and space-separated.
listed() {
  call containers || { echo "containers failed: $(cat "$T/err")"; return; }
  "$DC" decode Containers <"$T/out" | sed -n 's/^ *value: "\(.*\)"$/\1/p' | sort | xargs
}

# launch ID COMMAND: launches the test image running COMMAND.
launch() {
  call launch "$(launch_frame "$1" "$(new_sandbox "$1")" "$2")"
}

state_of() { docker inspect -f '{{.State.Status}}' "$1" 2>/dev/null; }

running_id=ct-running-$RUN
exited_id=ct-exited-$RUN
other_id=ct-other-$RUN
plain_name=mesos-ct-plain-$RUN

equals "nothing is listed before any launch" "" "$(listed)"

check "launch a long-running container" launch "$running_id" "sleep 300"
check "launch a container that exits at once" launch "$exited_id" "exit 0"
check "the second container exits" eventually 20 state_is "$exited_id" exited
equals "running and exited containers are listed" "$exited_id $running_id" "$(listed)"

# Another agent instance on the same engine: its own work directory.
other_work=$T/other-work
mkdir -p "$other_work"
on_exit "docker ps -aq --filter 'label=docker-containerizer.work-directory=$other_work' | xargs -r docker rm -f -v >/dev/null 2>&1"
# in_other COMMAND...: runs COMMAND as the other agent instance.
in_other() { MESOS_WORK_DIRECTORY=$other_work "$@"; }
check "launch under another work directory" in_other launch "$other_id" "sleep 300"

# Another program on the engine, named like ours but without our labels.
on_exit "docker rm -f -v '$plain_name' >/dev/null 2>&1"
plain_run() { docker run -d --name "$plain_name" --entrypoint /bin/sleep "$TEST_IMAGE" 300 >/dev/null; }
check "a plain docker run container named mesos-*" plain_run

equals "only this agent instance's containers are listed" "$exited_id $running_id" "$(listed)"
equals "the other work directory lists only its own" "$other_id" \
  "$(in_other listed)"

check "destroy the running container" call destroy "$(frame_for Destroy "$running_id")"
equals "a destroyed container is no longer listed" "$exited_id" "$(listed)"
check "destroy the exited container" call destroy "$(frame_for Destroy "$exited_id")"
equals "nothing is listed after both are destroyed" "" "$(listed)"
check "the other instance's container still runs" state_is "$other_id" running
equals "the plain container still runs" running "$(state_of "$plain_name")"

# --- ended while the agent was away ----------------------------------------------
# The default: ended containers are removed at once, after their wait.
export CONTAINERIZER_REMOVE_DELAY=0
away=ct-away-$RUN
check "launch a container that will end while no agent waits" launch "$away" \
  "while [ ! -e go ]; do sleep 0.1; done; exit 7"
# A wait whose agent died: its stdout's reader is gone when it writes.
mkfifo "$T/dead-agent"
# Its stderr a pipe, as the agent's (a file other than the sandbox's stderr
# would get nothing: log.hpp guard_stderr); its copier opened first, so
# that it holds no reader of the FIFO.
exec {errfd}> >(exec cat >"$T/dead-wait.err")
copier=$!
exec {reader}<>"$T/dead-agent"
"$DC" wait <"$(frame_for Wait "$away")" >"$T/dead-agent" 2>&$errfd {reader}>&- {errfd}>&- &
dead_wait=$!
exec {errfd}>&-
holds_fifo() { [ "$(readlink "/proc/$dead_wait/fd/1")" = "$T/dead-agent" ]; }
check "a wait blocks on it" eventually 10 holds_fifo
exec {reader}>&-
touch "$T/sandboxes/$away/go"
wait "$dead_wait"
check "that wait cannot write its result when the container ends: it fails" test $? -ne 0
wait "$copier"
contains "saying so" "EPIPE" "$(cat "$T/dead-wait.err")"
check "it exits" eventually 20 state_is "$away" exited
check "the agent comes back: recover" call recover
equals "containers still lists it" "$away" "$(listed)"
check "it is still on the engine" state_is "$away" exited

lost_engine=ct-lost-engine-$RUN
check "launch another that ends" launch "$lost_engine" "exit 8"
check "it exits" eventually 20 state_is "$lost_engine" exited
check "recover records its end" call recover
docker rm -f -v "$(name_of "$lost_engine")" >/dev/null
equals "one the engine lost is listed from its record" "$away $lost_engine" "$(listed)"
contains "its wait reports the recorded end" "status: 2048" "$(termination_of "$lost_engine")"

contains "a wait that returns delivers the Termination" "status: 1792" "$(termination_of "$away")"
gone_from_engine() { [ -z "$(state_of "$(name_of "$away")")" ]; }
check "only then is the container removed" eventually 30 gone_from_engine
equals "and no longer listed" "" "$(listed)"

lost_state=ct-lost-state-$RUN
check "launch a container whose state directory will be lost" launch "$lost_state" "exit 9"
check "it exits" eventually 20 state_is "$lost_state" exited
rm -rf "$STATE"
equals "with the state directory lost, it is listed from the engine" "$lost_state" "$(listed)"
check "recover rebuilds its record" call recover
contains "and a wait reports how it ended" "status: 2304" "$(termination_of "$lost_state")"
finish
