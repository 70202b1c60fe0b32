#!/usr/bin/env bash
# The engine failing under the program, on a private dockerd beside the
# shared one (../shared/TESTBED.md: its own socket, data root, exec root,
# pid file and bridge; host networking only; stopped and removed on exit):
# - hung (SIGSTOP): every command that needs docker fails within
#   CONTAINERIZER_DOCKER_TIMEOUT, in one line naming the engine's endpoint;
# - stopped: commands fail naming the endpoint, recover fails rather than
#   report no containers, and the records stay;
# - restarted with --live-restore while waits are pending: a container that
#   ends while the engine is down, one that ends after the restart and one
#   destroyed after it are each reported correctly; survivors keep running.
source "$(dirname "$0")/lib.sh"

E=$T/engine                       # the private engine's directories
BRIDGE=i12b$(printf '%04x' $((RANDOM % 65536)))
export DOCKER_HOST=unix://$E/docker.sock
export CONTAINERIZER_REMOVE_DELAY=600
mkdir -p "$E"

engine_answers() { docker info >/dev/null 2>&1; }
engine_gone() { ! kill -0 "$dockerd" 2>/dev/null; }
start_engine() {
  # The shared engine's containerd is not ours: dockerd starts its own
  # under --exec-root.
  dockerd -H "$DOCKER_HOST" --data-root "$E/data" --exec-root "$E/exec" --pidfile "$E/pid" \
    --bridge="$BRIDGE" --iptables=false --ip-masq=false --live-restore >>"$E/dockerd.log" 2>&1 &
  dockerd=$!
  eventually 60 engine_answers
}
stop_engine() {
  kill -TERM "$dockerd" 2>/dev/null
  eventually 60 engine_gone
}
teardown() {
  kill -CONT "$dockerd" 2>/dev/null
  engine_answers && docker ps -aq | xargs -r docker rm -f -v >/dev/null 2>&1
  stop_engine || kill -KILL "$dockerd" 2>/dev/null
  grep " $E/" /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r -n1 umount -l 2>/dev/null
  ip link del "$BRIDGE" 2>/dev/null
}
on_exit teardown

ip link add "$BRIDGE" type bridge && ip addr add 127.0.99.1/24 dev "$BRIDGE" ||
  { not_ok "a bridge of its own for the private engine"; finish; }
check "the private engine starts" start_engine || finish
# The test image, from the shared engine into the private one.
check "the test image is loaded into it" bash -c \
  "DOCKER_HOST=unix:///var/run/docker.sock docker save '$TEST_IMAGE' | docker load >/dev/null"

gated() { echo "while [ ! -e go ]; do sleep 0.1; done; exit $1"; }
release() { touch "$(sandbox_of "$1")/go"; }
private_state() { docker inspect -f '{{.State.Status}}' "$(name "$1")" 2>/dev/null; }
is_running() { [ "$(private_state "$1")" = running ]; }

# one_line_naming DESCRIPTION RC TEXT: a failure in one line naming TEXT.
one_line_naming() {
  if [ "$2" -ne 0 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && [ ! -s "$T/out" ] && grep -qF -- "$3" "$T/err"; then
    ok "$1"
  else
    not_ok "$1" "rc $2" "stderr: $(cat "$T/err")"
  fi
}

check "launch a container on the private engine" start hung "sleep 300"

# --- hung engine ------------------------------------------------------------
kill -STOP "$dockerd"
export CONTAINERIZER_DOCKER_TIMEOUT=2
for command in launch update destroy containers recover; do
  case $command in
    launch) frame=$(launch_frame "$(cid hung-new)" "$(new_sandbox hung-new)" "exit 0") ;;
    update) frame=$T/update.bin
      echo "container_id { value: \"$(cid hung)\" } resources { name: \"mem\" type: SCALAR scalar { value: 80 } }" |
        encode Update >"$frame" ;;
    destroy) frame=$(frame_for Destroy "$(cid hung)") ;;
    *) frame= ;;
  esac
  started=$SECONDS
  call "$command" $frame
  rc=$?
  one_line_naming "$command fails on a hung engine, naming it" "$rc" "did not answer within 2 s (engine $DOCKER_HOST"
  check "$command gives up within the timeout and a margin" test $((SECONDS - started)) -lt 30
done
unset CONTAINERIZER_DOCKER_TIMEOUT
kill -CONT "$dockerd"
check "the hung container still runs after the engine resumes" is_running hung
check "no container was created while the engine hung" test -z "$(private_state hung-new)"
check "the refused launch left no record" test ! -e "$(record_of hung-new)"
check "destroy works once the engine answers" call destroy "$(frame_for Destroy "$(cid hung)")"

# --- restart with waits pending -------------------------------------------------
check "launch a container that will end while the engine is down" start down "$(gated 3)"
check "launch a container that will end after the restart" start after "$(gated 4)"
check "launch a container that will be destroyed after the restart" start destroyed "sleep 300"
# Each wait first learns its container's init pid from the engine; from then
# on it watches the init itself and needs no engine.
watching() { grep -q '"pid": [1-9]' "$(record_of "$1")/record.json"; }
for n in down after destroyed; do
  call_async "wait-$n" wait "$(frame_for Wait "$(cid $n)")"
  check "the wait on $n watches its init" eventually 30 watching "$n"
done
check "the engine stops (live restore keeps the containers)" stop_engine

# --- stopped engine ---------------------------------------------------------------
call containers
one_line_naming "containers fails while the engine is down, naming it" $? "$E/docker.sock"
records=$(ls "$STATE/containers" | sort | xargs)
call recover
one_line_naming "recover fails rather than report no containers" $? "$E/docker.sock"
equals "and drops no record" "$records" "$(ls "$STATE/containers" | sort | xargs)"

release down
check "a wait reports an end while the engine is down" await_call wait-down 30
contains "with the container's own status" "status: 768" "$("$DC" decode Termination <"$T/wait-down.out")"
check "the other waits still wait" running wait-after || cat "$T/wait-after.err"
check "the engine starts again" start_engine
check "a container survives the restart" is_running after
check "recover after the restart succeeds" call recover
release after
check "a wait pending over the restart returns" await_call wait-after 30
contains "with the status of an end after the restart" "status: 1024" "$("$DC" decode Termination <"$T/wait-after.out")"
check "destroy after the restart works" call destroy "$(frame_for Destroy "$(cid destroyed)")"
check "the destroyed container's wait returns" await_call wait-destroyed 30
contains "reporting it killed" "killed: true" "$("$DC" decode Termination <"$T/wait-destroyed.out")"
finish
