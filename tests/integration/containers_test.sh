#!/usr/bin/env bash
# `containers` lists this agent instance's containers (same
# MESOS_WORK_DIRECTORY), running or exited but not yet destroyed, and nothing
# else on the engine: not another agent instance's, not a plain `docker run`
# container even when it is named mesos-*. Destroyed ones drop out.
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
finish
