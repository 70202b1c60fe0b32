#!/usr/bin/env bash
# recover reconciles the state directory with the engine after an agent
# restart: a killed wait leaves nothing broken, an exit while no one waited
# gets its Termination recorded, records of containers removed behind our
# back (with no Termination) are dropped, a lost record is rebuilt from the
# container's labels. It kills nothing, and fails clearly without an engine.
source "$(dirname "$0")/lib.sh"

# Ended containers stay on the engine until the test ends: every scenario
# below decides itself what is removed.
export CONTAINERIZER_REMOVE_DELAY=600

# launch ID COMMAND: launches the test image running COMMAND in a new sandbox.
launch() {
  call launch "$(launch_frame "$1" "$(new_sandbox "$1")" "$2")"
}

# gated CODE: a command that runs until the file "go" appears in its sandbox
# (the working directory), then exits with CODE.
gated() { echo "while [ ! -e go ]; do sleep 0.1; done; exit $1"; }
release() { touch "$T/sandboxes/$1/go"; }

state_of() { docker inspect -f '{{.State.Status}}' "$(name_of "$1")" 2>/dev/null; }
started_at() { docker inspect -f '{{.State.StartedAt}}' "$(name_of "$1")"; }
record_of() { echo "$STATE/containers/$1/record.json"; }

# recovers DESCRIPTION: recover succeeds with nothing on stdout.
recovers() {
  if call recover && [ ! -s "$T/out" ]; then ok "$1"; else not_ok "$1" "stderr: $(cat "$T/err")"; fi
}

# terminates DESCRIPTION ID STATUS MESSAGE: wait on ID reports STATUS and
# a message containing MESSAGE.
terminates() {
  local text
  text=$(termination_of "$2") || { not_ok "$1" "wait failed: $(cat "$T/err")"; return; }
  case "$text" in
    *"status: $3"*"$4"* | *"$4"*"status: $3"*) ok "$1" ;;
    *) not_ok "$1" "expected status $3 and \"$4\"" "actual: $text" ;;
  esac
}

listed() {
  call containers && "$DC" decode Containers <"$T/out" | sed -n 's/^ *value: "\(.*\)"$/\1/p' | sort | xargs
}

# --- recover after a wait was killed -------------------------------------
killed_wait=rc-killed-wait-$RUN
check "launch a container for a killed wait" launch "$killed_wait" "$(gated 5)"
call_async killed-wait wait "$(frame_for Wait "$killed_wait")"
check "the wait blocks while the container runs" until_blocked killed-wait
kill -9 "$(cat "$T/killed-wait.pid")"
await_call killed-wait 10
recovers "recover after a wait was killed succeeds"
check "the container still runs after recover" state_is "$killed_wait" running
release "$killed_wait"
terminates "a new wait reports the real exit" "$killed_wait" 1280 "Container exited with status 5"

# --- an exit while no one waits ------------------------------------------
unwaited=rc-unwaited-$RUN
check "launch a container no one waits for" launch "$unwaited" "exit 7"
check "it exits" eventually 20 state_is "$unwaited" exited
recovers "recover after an unwaited exit succeeds"
check "recover recorded its Termination" grep -q '"termination"' "$(record_of "$unwaited")"
check "the recorded status is 7 << 8" grep -q '"status": 1792' "$(record_of "$unwaited")"
docker rm -f -v "$(name_of "$unwaited")" >/dev/null
call_async unwaited wait "$(frame_for Wait "$unwaited")"
check "a later wait answers at once, even with the container gone" await_call unwaited 10
contains "with the recorded Termination" "status: 1792" "$("$DC" decode Termination <"$T/unwaited.out")"

# --- removed behind our back, no Termination ------------------------------
vanished=rc-vanished-$RUN
check "launch a container that will vanish" launch "$vanished" "sleep 300"
docker rm -f -v "$(name_of "$vanished")" >/dev/null
recovers "recover after a container vanished succeeds"
check "its record is dropped" test ! -e "$STATE/containers/$vanished"
if call wait "$(frame_for Wait "$vanished")"; then
  not_ok "a wait on it then fails"
else
  contains "a wait on it then fails, naming it" "container $vanished: unknown container" "$(cat "$T/err")"
fi

# --- a lost record is rebuilt from the labels -----------------------------
lost_wait=rc-lost-wait-$RUN
lost_destroy=rc-lost-destroy-$RUN
check "launch a container whose record will be lost" launch "$lost_wait" "$(gated 4)"
check "launch another whose record will be lost" launch "$lost_destroy" "sleep 300"
rm -rf "$STATE/containers/$lost_wait" "$STATE/containers/$lost_destroy"
recovers "recover with lost records succeeds"
check "the record is rebuilt" test -s "$(record_of "$lost_wait")"
check "the rebuilt record names the sandbox" grep -q "\"sandbox\": \"$T/sandboxes/$lost_wait\"" "$(record_of "$lost_wait")"
contains "containers still lists both" "$lost_destroy $lost_wait" "$(listed)"
call_async lost-wait wait "$(frame_for Wait "$lost_wait")"
check "a wait on the rebuilt record blocks while it runs" until_blocked lost-wait
release "$lost_wait"
check "that wait returns" await_call lost-wait 30
equals "that wait reports the real exit" "status: 1024" \
  "$("$DC" decode Termination <"$T/lost-wait.out" | grep '^status')"
check "destroy of a rebuilt record works" call destroy "$(frame_for Destroy "$lost_destroy")"
check "the destroyed container is gone from the engine" test -z "$(state_of "$lost_destroy")"

# --- recover kills nothing ------------------------------------------------
alive=rc-alive-$RUN
check "launch a long-running container" launch "$alive" "sleep 300"
before=$(started_at "$alive")
recovers "recover succeeds"
recovers "recover succeeds again"
check "the running container still runs" state_is "$alive" running
equals "and was not restarted" "$before" "$(started_at "$alive")"

# --- a record that cannot be read -------------------------------------------
# A host crash can leave a zero-length record.json; a bad one stays with its
# own container: it is set aside (kept for a person) in one line naming it,
# its container gets a record from its labels, and every other one recovers.
empty=rc-empty-$RUN
garbled=rc-garbled-$RUN
fine=rc-fine-$RUN
check "launch a container whose record will be emptied" launch "$empty" "exit 3"
check "launch one whose record will be garbled" launch "$garbled" "exit 4"
check "launch one whose record stays whole" launch "$fine" "exit 6"
for id in "$empty" "$garbled" "$fine"; do
  check "$id exits" eventually 20 state_is "$id" exited
done
: >"$(record_of "$empty")"
echo '{"container_id": 42' >"$(record_of "$garbled")"
recovers "recover with an empty and a garbled record succeeds"
for id in "$empty" "$garbled"; do
  equals "one line names the bad record of $id" 1 "$(grep -c "container $id: corrupt record.*set aside" "$T/err")"
  check "and keeps it for a person to read" test -e "$(ls -d "$STATE/containers/.corrupt-$id".* 2>/dev/null)/record.json"
  check "$id gets a record rebuilt from its labels" grep -q '"container_id"' "$(record_of "$id")"
done
check "the whole record is recovered: its Termination recorded" grep -q '"status": 1536' "$(record_of "$fine")"
terminates "a wait on a set-aside container reports its exit" "$empty" 768 "Container exited with status 3"
terminates "and on the other one" "$garbled" 1024 "Container exited with status 4"

# --- a state directory shared with another agent instance -------------------
# CONTAINERIZER_STATE_DIR may be shared (containers and capacity tell the
# records apart by their agent's MESOS_WORK_DIRECTORY): recover leaves the
# other agent's records alone, though our `docker ps` does not list them.
other_work=$T/other-work
mkdir -p "$other_work"
on_exit "docker ps -aq --filter 'label=docker-containerizer.work-directory=$other_work' | xargs -r docker rm -f -v >/dev/null 2>&1"
other_running=rc-other-running-$RUN
other_exited=rc-other-exited-$RUN
in_other() { MESOS_WORK_DIRECTORY=$other_work CONTAINERIZER_STATE_DIR=$STATE "$@"; }
check "the other agent launches a container into the shared state directory"   in_other launch "$other_running" "sleep 300"
check "and one that ends" in_other launch "$other_exited" "exit 2"
check "which exits" eventually 20 state_is "$other_exited" exited
recovers "recover of this agent succeeds"
check "the other agent's running container keeps its record" test -s "$(record_of "$other_running")"
check "so does its ended one" test -s "$(record_of "$other_exited")"
check "and it is not this agent's to settle: no Termination recorded" \
  bash -c "! grep -q '\"termination\"' '$(record_of "$other_exited")'"
check "the other agent's wait on it reports its exit" in_other call wait "$(frame_for Wait "$other_exited")"
contains "with its status" "status: 512" "$("$DC" decode Termination <"$T/out")"
check "its destroy works" in_other call destroy "$(frame_for Destroy "$other_running")"

# --- no engine ------------------------------------------------------------
records_before=$(ls "$STATE/containers" | sort | xargs)
CONTAINERIZER_DOCKER_ARGS="-H unix:///nonexistent.sock" call recover
rc=$?
check "recover fails when the engine is unreachable" test "$rc" -ne 0
equals "with one line on stderr" 1 "$(wc -l <"$T/err")"
contains "that says docker could not be reached" "Cannot connect" "$(cat "$T/err")"
equals "and nothing on stdout" 0 "$(wc -c <"$T/out")"
equals "no record is dropped when the engine is unreachable" "$records_before" \
  "$(ls "$STATE/containers" | sort | xargs)"
finish
