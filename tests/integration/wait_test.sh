#!/usr/bin/env bash
# wait (issue 3): concurrent waits, waits after the end, after removal and
# after docker lost the container, a killed wait called again, unknown
# containers; and the cleanup after a normal end (container removed, record
# kept until the sandbox goes).
source "$(dirname "$0")/lib.sh"



# gated CODE: a command that runs until release, then exits with CODE.
gated() { echo "while ! [ -e go ]; do sleep 0.1; done; exit $1"; }
release() { touch "$(sandbox_of "$1")/go"; }

wait_frame() { frame_for Wait "$(cid "$1")"; }
# wait_async CALL NAME: a wait on container NAME in the background (see call_async).
wait_async() { call_async "$1" wait "$(wait_frame "$2")"; }
decoded() { "$DC" decode Termination <"$T/$1.out"; }
ended() { termination_of "$(cid "$1")"; }
exited() { printf 'killed: false\nmessage: "Container exited with status %s"\nstatus: %s' "$1" $(($1 << 8)); }
killed_by_docker='killed: false
message: "Container terminated by signal 9 (Killed)"
status: 9'

on_engine() { docker inspect --type container "$(name "$1")" >/dev/null 2>&1; }
gone() { ! on_engine "$1"; }
# --- two concurrent waits ------------------------------------------------------
start two "$(gated 5)"
wait_async wait-a two
wait_async wait-b two
check "both waits block while the container runs" eventually 20 eval 'blocked wait-a && blocked wait-b'
release two
await_call wait-a 10
check "the first wait returns after the end" test $? -eq 0
await_call wait-b 10
check "the second wait returns after the end" test $? -eq 0
equals "the first wait reports the exit" "$(exited 5)" "$(decoded wait-a)"
equals "the second wait reports the same Termination" "$(decoded wait-a)" "$(decoded wait-b)"

# --- after the end, and after the container was removed -------------------------
# Bounded, not timed: a wait that blocked would be killed at 60 s (124).
wait_async wait-after two
check "a wait after the end returns" await_call wait-after 60
equals "it reports the same Termination" "$(exited 5)" "$(decoded wait-after)"
check "the container is removed after wait returned" eventually 60 gone two
check "its record is kept" test -f "$(record_of two)/record.json"
equals "a wait after the removal answers from the record" "$(exited 5)" "$(ended two)"

# --- records go with the sandbox --------------------------------------------------
rm -rf "$(sandbox_of two)"
call containers
check "the record goes once the sandbox was deleted (containers sweeps)" eventually 60 test ! -e "$(record_of two)"

# --- CONTAINERIZER_REMOVE_DELAY -----------------------------------------------------
start keep 'exit 0'
CONTAINERIZER_REMOVE_DELAY=600 call wait "$(wait_frame keep)"
equals "a wait with a remove delay reports the end" "$(exited 0)" "$("$DC" decode Termination <"$T/out")"
# Nothing is due for 600 s: no sweeper is even started, so the check is exact.
CONTAINERIZER_REMOVE_DELAY=600 call containers
check "with CONTAINERIZER_REMOVE_DELAY=600 the container is kept" on_engine keep
call containers
check "a later call once the delay has passed removes it" eventually 60 gone keep
equals "the record still answers a wait" "$(exited 0)" "$(ended keep)"

# --- the container vanishes behind our back ---------------------------------------
start removed 'sleep 30'
docker rm -f "$(name removed)" >/dev/null
wait_async wait-rm removed
check "a wait after docker rm -f returns" await_call wait-rm 60
equals "it reports a kill" "$killed_by_docker" "$(decoded wait-rm)"

start removed-waiting 'sleep 30'
wait_async wait-removed removed-waiting
check "the wait blocks while the container runs" until_blocked wait-removed
docker rm -f "$(name removed-waiting)" >/dev/null
await_call wait-removed 15
check "a pending wait returns after docker rm -f" test $? -eq 0
equals "it reports a kill" "$killed_by_docker" "$(decoded wait-removed)"

# --- a killed wait, then an exit while no one waits ---------------------------------
start killed "$(gated 4)"
wait_async wait-killed killed
until_blocked wait-killed
kill -KILL "$(cat "$T/wait-killed.pid")"
await_call wait-killed 5
check "the wait was killed" test $? -eq 137
release killed
check "the container ends while no one waits" eventually 10 test -e "$(record_of killed)/run/exit"
equals "wait called again reports the exit" "$(exited 4)" "$(ended killed)"

# --- one removal that fails blocks no other -----------------------------------------
# The sweep removes each ended container whose Termination a wait delivered.
# One docker refuses to remove (its record's name emptied: "container name
# cannot be empty") is tried again by a later sweep; every other one goes.
for one in stuck free-1 free-2; do
  start "$one" 'exit 0'
  CONTAINERIZER_REMOVE_DELAY=600 ended "$one" >/dev/null
done
real_name=$(name stuck)
sed -i 's/"name": "[^"]*"/"name": ""/' "$(record_of stuck)/record.json"
call containers
check "every other delivered container is removed" eventually 20 eval 'gone free-1 && gone free-2'
check "the one docker could not remove is still recorded as not removed" \
  grep -q '"removed": false' "$(record_of stuck)/record.json"
docker rm -f -v "$real_name" >/dev/null

# --- an unknown container ----------------------------------------------------------
if call wait "$(wait_frame never-launched)"; then
  not_ok "a wait on an unknown container fails" "exit code 0"
else
  ok "a wait on an unknown container fails"
fi
equals "it says so in one line on stderr" 1 "$(wc -l <"$T/err")"
contains "naming the container" "container $(cid never-launched): unknown container" "$(cat "$T/err")"
equals "and writes nothing on stdout" 0 "$(wc -c <"$T/out")"
finish
