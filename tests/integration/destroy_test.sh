#!/usr/bin/env bash
# destroy (issue 3): pending waits return with killed true, a container
# ignoring SIGTERM is killed after CONTAINERIZER_STOP_TIMEOUT, destroying twice
# or an unknown id succeeds, half-launched containers are destroyed too; and
# afterwards nothing is left: not on the engine, not in `containers`, no state.
source "$(dirname "$0")/lib.sh"


now_ms() { date +%s%3N; }

destroy() { call destroy "$(frame_for Destroy "$(cid "$1")")"; }
wait_async() { call_async "$1" wait "$(frame_for Wait "$(cid "$2")")"; }
decoded() { "$DC" decode Termination <"$T/$1.out"; }
on_engine() { docker inspect --type container "$(name "$1")" >/dev/null 2>&1; }
listed() { call containers && "$DC" decode Containers <"$T/out" | grep -qF "\"$(cid "$1")\""; }

# succeeds DESCRIPTION CALL SECONDS: the program started by call_async CALL
# exits 0 within SECONDS.
succeeds() {
  await_call "$2" "$3"
  local rc=$?
  if [ "$rc" -eq 0 ]; then ok "$1"; else not_ok "$1" "exit code $rc" "stderr: $(cat "$T/$2.err")"; fi
}

# forgotten DESCRIPTION NAME: the container is gone from the engine, from
# `containers` and from the state directory.
forgotten() {
  local problems=()
  on_engine "$2" && problems+=("still on the engine")
  listed "$2" && problems+=("still listed by containers")
  [ -e "$(record_of "$2")" ] && problems+=("its record is left")
  ls -a "$STATE/containers" 2>/dev/null | grep -qF -- "$(cid "$2")" && problems+=("state is left: $(ls -a "$STATE/containers")")
  if [ ${#problems[@]} -eq 0 ]; then ok "$1"; else not_ok "$1" "${problems[@]}"; fi
}

# destroyed_during_wait NAME STATUS MESSAGE: a pending wait on NAME returns
# within 3 s after destroy finished, killed, with STATUS and MESSAGE.
destroyed_during_wait() {
  wait_async "wait-$1" "$1"
  check "$1: the wait blocks while the container runs" until_blocked "wait-$1"
  local began
  began=$(now_ms)
  call_async "destroy-$1" destroy "$(frame_for Destroy "$(cid "$1")")"
  succeeds "$1: destroy succeeds" "destroy-$1" 20
  destroy_ms=$(($(now_ms) - began))
  succeeds "$1: the pending wait returns within 3 s of destroy" "wait-$1" 3
  equals "$1: it reports the container destroyed" "killed: true
message: \"$3\"
status: $2" "$(decoded "wait-$1")"
  forgotten "$1: nothing is left of it" "$1"
}

# --- destroy during a wait --------------------------------------------------------
start victim 'sleep 30'
destroyed_during_wait victim 15 "Container destroyed: it terminated by signal 15 (Terminated)"

# --- a container that ignores SIGTERM ------------------------------------------------
start stubborn "trap '' TERM; echo ready; while true; do sleep 1; done"
check "stubborn: ignores SIGTERM" eventually 30 grep -qx ready "$T/sandboxes/stubborn/stdout"
CONTAINERIZER_STOP_TIMEOUT=1 destroyed_during_wait stubborn 9 "Container destroyed: it terminated by signal 9 (Killed)"
check "stubborn: destroy with CONTAINERIZER_STOP_TIMEOUT=1 takes less than 5 s ($destroy_ms ms)" \
  test "$destroy_ms" -lt 5000

# --- idempotence ---------------------------------------------------------------------
check "destroying twice exits 0" destroy victim
contains "and says there was nothing to destroy" "nothing to destroy" "$(cat "$T/err")"
check "destroying an unknown id exits 0" destroy never-launched
contains "and says so" "container $(cid never-launched): unknown, nothing to destroy" "$(cat "$T/err")"

# Two destroys at once (and a wait's sweep racing a destroy) both succeed.
start twice 'sleep 30'
call_async destroy-1 destroy "$(frame_for Destroy "$(cid twice)")"
call_async destroy-2 destroy "$(frame_for Destroy "$(cid twice)")"
succeeds "the first of two concurrent destroys exits 0" destroy-1 20
succeeds "the second of two concurrent destroys exits 0" destroy-2 20
forgotten "twice: nothing is left" twice

# --- half-launched containers --------------------------------------------------------
# A launch killed between making the record directory and writing the record.
mkdir -p "$(record_of bare)/run"
check "a bare record directory is destroyed" destroy bare
forgotten "bare: nothing is left" bare

# create_ours NAME: a container with our name and labels that never started.
create_ours() {
  docker create --name "$(name "$1")" \
    --label "docker-containerizer.work-directory=$MESOS_WORK_DIRECTORY" \
    --label "docker-containerizer.container-id=$(cid "$1")" "$TEST_IMAGE" sleep 30 >/dev/null
}
# A launch killed while docker created the container, its record lost.
create_ours created
check "created: containers lists a created container without a record" listed created
check "a created container without a record is destroyed" destroy created
forgotten "created: nothing is left" created

# A launch killed right after making the record directory, docker still creating.
mkdir -p "$(record_of bare-created)/run"
create_ours bare-created
check "a bare record with a created container is destroyed" destroy bare-created
forgotten "bare-created: nothing is left" bare-created

# A launch killed during `docker run`: the record has the name but no docker id.
start mid-run 'sleep 30'
sed -i 's/"docker_id": "[^"]*"/"docker_id": ""/' "$(record_of mid-run)/record.json"
call wait "$(frame_for Wait "$(cid mid-run)")"
contains "mid-run: wait says the launch did not finish" "launch did not finish" "$(cat "$T/err")"
check "a container whose launch did not record its docker id is destroyed" destroy mid-run
forgotten "mid-run: nothing is left" mid-run

# --- destroy while another removal of it is under way ---------------------------------
# A second `docker rm` of a container the engine is removing gets "removal
# ... is already in progress". destroy then waits on the engine's destroy
# event (`docker events`; it polled `docker inspect` every 100 ms before)
# and returns once the container is gone. 19,000 files in its layer keep
# the engine removing it for seconds.
start heavy 'for i in $(seq 1000); do mkdir -p /d/$i && cp -a /bin /d/$i/; done; echo ready; exec sleep 300'
check "heavy: its layer is written" eventually 120 grep -qx ready "$(sandbox_of heavy)/stdout"
docker rm -f "$(name heavy)" >/dev/null 2>&1 &
remover=$!
check "heavy: the engine is removing it" eventually 30 state_is "$(cid heavy)" removing
# LeakSanitizer cannot work under ptrace (scripts/test --sanitize).
printf '#!/bin/sh\nexport ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"\nexec strace -f -qq -e trace=execve -o %q %q "$@"\n' \
  "$T/destroy.trace" "$DC" >"$T/traced"
chmod +x "$T/traced"
if DC=$T/traced call destroy "$(frame_for Destroy "$(cid heavy)")"; then
  ok "heavy: destroy succeeds while another removal is under way"
else
  not_ok "heavy: destroy succeeds while another removal is under way" "$(cat "$T/err")"
fi
check "heavy: the engine no longer has it when destroy returns" eval '! on_engine heavy'
check "heavy: destroy waited on the engine's destroy event" grep -q '"events", "--since"' "$T/destroy.trace"
forgotten "heavy: nothing is left of it" heavy
wait "$remover"

# --- a recycled supervisor pid ---------------------------------------------------------
# Override mode records the pid of its host executor's supervisor, which
# leads a process group: destroy kills that group, and wait asks whether the
# supervisor still lives. Long after, that pid may name an unrelated process:
# here one of the test's own, a group leader, started after the one recorded.
setsid sleep 600 &
stranger=$!
check "a stranger leads its own process group" eventually 30 \
  eval '[ "$(ps -o pgid= -p "$stranger" | tr -d " ")" = "$stranger" ]'
# as_override NAME: NAME's record claims override mode with the stranger's
# pid as its supervisor, recorded when another process had it.
as_override() {
  sed -i -e 's/"override_mode": false/"override_mode": true/' \
    -e "s/\"supervisor_pid\": 0/\"supervisor_pid\": $stranger/" \
    -e 's/"supervisor_start": 0/"supervisor_start": 1/' "$(record_of "$1")/record.json"
}
start recycled-wait 'exit 0'
as_override recycled-wait
wait_async wait-recycled recycled-wait
succeeds "a wait settles though the recorded supervisor's pid lives on in another process" wait-recycled 30
start recycled-destroy 'sleep 30'
as_override recycled-destroy
check "destroy of a container whose supervisor's pid was reused succeeds" destroy recycled-destroy
check "and the unrelated process lives on" kill -0 "$stranger"
kill "$stranger"
finish
