#!/usr/bin/env bash
# Things done behind the program's back: the sandbox deleted under a running
# container, the container removed with `docker rm -f`, the container's init
# killed from the host. `wait`, `usage` and `destroy` still answer sensibly.
source "$(dirname "$0")/lib.sh"

export CONTAINERIZER_REMOVE_DELAY=600

usage_of() { call usage "$(frame_for Usage "$(cid "$1")")" && "$DC" decode ResourceStatistics <"$T/out"; }
# refused_in_one_line DESCRIPTION: the last call failed with one line.
refused_in_one_line() {
  if [ "$(wc -l <"$T/err")" -eq 1 ] && [ ! -s "$T/out" ]; then ok "$1"; else not_ok "$1" "$(cat "$T/err")"; fi
}
gone() { ! docker inspect "$(name "$1")" >/dev/null 2>&1; }

# --- the sandbox deleted ---------------------------------------------------
check "launch a container" start sandbox "echo started; exec sleep 300"
eventually 20 grep -q started "$(sandbox_of sandbox)/stdout"
call_async wait-sandbox wait "$(frame_for Wait "$(cid sandbox)")"
rm -rf "$(sandbox_of sandbox)"
contains "usage answers with its sandbox deleted" "cpus_limit" "$(usage_of sandbox)"
check "destroy works with its sandbox deleted" call destroy "$(frame_for Destroy "$(cid sandbox)")"
check "the pending wait returns" await_call wait-sandbox 30
contains "reporting it destroyed" "killed: true" "$("$DC" decode Termination <"$T/wait-sandbox.out")"
check "the container is gone" gone sandbox

# --- the container removed behind our back ------------------------------------
check "launch a container to remove behind the program's back" start removed "sleep 300"
call_async wait-removed wait "$(frame_for Wait "$(cid removed)")"
docker rm -f -v "$(name removed)" >/dev/null
check "the pending wait returns" await_call wait-removed 30
contains "reporting a kill" "terminated by signal 9" "$("$DC" decode Termination <"$T/wait-removed.out")"
call usage "$(frame_for Usage "$(cid removed)")"
check "usage of the removed container fails" test $? -ne 0
refused_in_one_line "in one line"
check "destroy of the removed container succeeds" call destroy "$(frame_for Destroy "$(cid removed)")"
check "and leaves no record" test ! -e "$(record_of removed)"

# --- the init killed from the host -----------------------------------------------
check "launch a container whose init will be killed" start init "sleep 300"
call_async wait-init wait "$(frame_for Wait "$(cid init)")"
pid=$(docker inspect -f '{{.State.Pid}}' "$(name init)")
check "its init has a host pid" test "${pid:-0}" -gt 0
kill -KILL "$pid"
check "the pending wait returns" await_call wait-init 30
termination=$("$DC" decode Termination <"$T/wait-init.out")
contains "reporting the init's death by SIGKILL" "status: 9" "$termination"
contains "not as a destroy" "killed: false" "$termination"
call usage "$(frame_for Usage "$(cid init)")"
check "usage of the ended container fails" test $? -ne 0
refused_in_one_line "in one line"
check "destroy works" call destroy "$(frame_for Destroy "$(cid init)")"
check "the container is gone" gone init
finish
