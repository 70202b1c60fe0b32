#!/usr/bin/env bash
# 32 launches at once, then usage, update, wait and destroy interleaved on
# them, each container's calls in order and all containers' calls at once:
# every result belongs to its own container (its own exit status), nothing
# deadlocks, and no process or container remains.
source "$(dirname "$0")/lib.sh"

N=32
# run NAME COMMAND FRAME: the program with FRAME on stdin, like the agent;
# exit code in $T/NAME.rc, output in $T/NAME.out and $T/NAME.err.
run() { "$DC" "$2" <"$3" >"$T/$1.out" 2>"$T/$1.err"; echo $? >"$T/$1.rc"; }
rc_of() { cat "$T/$1.rc" 2>/dev/null; }
gated() { echo "while [ ! -e go ]; do sleep 0.1; done; exit $1"; }

for i in $(seq 1 $N); do
  launch_frame "$(cid "p$i")" "$(new_sandbox "p$i")" "$(gated "$i")" >/dev/null
  echo "container_id { value: \"$(cid "p$i")\" } resources { name: \"mem\" type: SCALAR scalar { value: $((64 + i)) } }" |
    encode Update >"$T/update.p$i.bin"
done
pids=()
for i in $(seq 1 $N); do run "launch-p$i" launch "$T/launch.$(cid "p$i").bin" & pids+=($!); done
wait "${pids[@]}"
launched=0
for i in $(seq 1 $N); do [ "$(rc_of "launch-p$i")" = 0 ] && launched=$((launched + 1)); done
equals "32 parallel launches all succeed" $N "$launched"

# Per container, in order: wait (in the background), usage, update, then
# odd ones are told to exit with their number, even ones are destroyed.
lifecycle() {
  local i=$1 id
  id=$(cid "p$i")
  run "wait-p$i" wait "$(frame_for Wait "$id")" &
  local waiter=$!
  run "usage-p$i" usage "$(frame_for Usage "$id")"
  run "update-p$i" update "$T/update.p$i.bin"
  if [ $((i % 2)) -eq 1 ]; then touch "$(sandbox_of "p$i")/go"; else run "destroy-p$i" destroy "$(frame_for Destroy "$id")"; fi
  wait "$waiter"
}
pids=()
for i in $(seq 1 $N); do lifecycle "$i" & pids+=($!); done
# No deadlock: all of it ends (the test's own timeout would say otherwise).
wait "${pids[@]}"

bad=()
for i in $(seq 1 $N); do
  [ "$(rc_of "usage-p$i")" = 0 ] && grep -q cpus_limit <("$DC" decode ResourceStatistics <"$T/usage-p$i.out") ||
    bad+=("usage p$i: $(cat "$T/usage-p$i.err")")
  [ "$(rc_of "update-p$i")" = 0 ] || bad+=("update p$i: $(cat "$T/update-p$i.err")")
  termination=$("$DC" decode Termination <"$T/wait-p$i.out" 2>/dev/null)
  if [ $((i % 2)) -eq 1 ]; then
    expected="status: $((i << 8))"
  else
    expected="killed: true"
    [ "$(rc_of "destroy-p$i")" = 0 ] || bad+=("destroy p$i: $(cat "$T/destroy-p$i.err")")
  fi
  case $termination in *"$expected"*) ;; *) bad+=("wait p$i: expected $expected, got: $termination $(cat "$T/wait-p$i.err")") ;; esac
done
equals "every usage, update, wait and destroy answered for its own container" 0 "${#bad[@]}"
[ ${#bad[@]} -gt 0 ] && printf '#   %s\n' "${bad[@]:0:10}"

none_on_engine() { [ -z "$(docker ps -aq --filter "label=docker-containerizer.work-directory=$MESOS_WORK_DIRECTORY")" ]; }
no_process() { ! pgrep -f -- "$RUN-p" >/dev/null; }
check "every ended container is removed" eventually 60 none_on_engine
check "no process of theirs remains" eventually 30 no_process
finish
