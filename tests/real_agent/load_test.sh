#!/usr/bin/env bash
# Issue 20's load test on real agents: REAL_AGENT_LOAD_TASKS (40) mesos-execute
# at once against an agent with cpus:40;mem:16384, task i running
# `echo load-$i; sleep 5; exit $((i % 3))` with cpus 0.1, mem 48. Every task
# must end in its own state (exit 0: TASK_FINISHED, else TASK_FAILED) with
# its output in its sandbox, and nothing may be left. The wall time is
# printed next to Mesos's own Docker containerizer's on the same version
# (--containerizers=docker), where that agent can run it.
source "$(dirname "$0")/lib.sh"
N=${REAL_AGENT_LOAD_TASKS:-40}
RA_RESOURCES='cpus:40;mem:16384'
# Mesos's Docker containerizer cannot parse the version of Debian's docker
# client (20.10.24+dfsg1); a docker-ce client, where there is one, it can.
RA_DOCKER=${REAL_AGENT_DOCKER:-$( [ -x /usr/local/bin/docker ] && echo /usr/local/bin/docker || command -v docker)}

# wrong_states AGENT_NAME: the tasks of load_run AGENT_NAME that did not end
# as their exit code says, as "TASK: STATE, not STATE".
wrong_states() {
  local i want got
  for i in $(seq 1 "$N"); do
    want=TASK_FAILED
    [ $((i % 3)) -eq 0 ] && want=TASK_FINISHED
    got=$(final_state "$1-load-$i")
    [ "$got" = "$want" ] || echo "$1-load-$i: ${got:-no final state}, not $want"
  done
}

declare -A wall
load_in() {
  local mode=$1 what="$RA_VERSION $1:" wrong missing=() i
  agent_in "$mode" "load-$mode" || return
  load_run "load-$mode" "$N"
  wall[$mode]=$LOAD_MS
  echo "# $what $N tasks in $(seconds "$LOAD_MS")"
  mapfile -t wrong < <(wrong_states "load-$mode")
  if [ ${#wrong[@]} -eq 0 ]; then ok "$what all $N tasks end in the state of their exit code"; else
    local stderr
    mapfile -t stderr < <(tail -n 5 "$(sandbox_of "${wrong[0]%%:*}")/stderr" 2>&1)
    not_ok "$what all $N tasks end in the state of their exit code" "${#wrong[@]} wrong:" "${wrong[@]}" \
      "the end of ${wrong[0]%%:*}'s sandbox stderr:" "${stderr[@]}"
  fi
  for i in $(seq 1 "$N"); do
    grep -qx "load-$i" "$(sandbox_of "load-$mode-load-$i")/stdout" 2>/dev/null || missing+=("load-$i")
  done
  equals "$what each task's output is in its sandbox" "" "${missing[*]}"
  nothing_left "$what no container and no process is left"
  stop_pid "$RA_AGENT_PID"
}

# The same load on Mesos's Docker containerizer: figures only, no verdict
# on Mesos.
docker_load() {
  if ! has_docker_comparison; then
    echo "# $RA_VERSION: no side-by-side run with --containerizers=docker: no --docker_kill_orphans before 0.28"
    return
  fi
  if ! start_agent load-docker --containerizers=docker --docker="$RA_DOCKER" --docker_kill_orphans=false; then
    echo "# $RA_VERSION: no side-by-side run: the agent with --containerizers=docker --docker=$RA_DOCKER did not start:"
    tail -n 3 "$RA_DIR/load-docker/out" | sed 's/^/#   /'
    return
  fi
  load_run load-docker "$N"
  local wrong
  wrong=$(wrong_states load-docker | grep -c .)
  echo "# $RA_VERSION --containerizers=docker: $N tasks in $(seconds "$LOAD_MS") ($((N - wrong)) of $N right)"
  local mode
  for mode in "${MODES[@]}"; do
    [ -n "${wall[$mode]:-}" ] && echo "# $RA_VERSION wall time of $N tasks: $mode $(seconds "${wall[$mode]}")," \
      "--containerizers=docker $(seconds "$LOAD_MS"), ratio $(awk -v a="${wall[$mode]}" -v b="$LOAD_MS" 'BEGIN {printf "%.2f", a / b}')x"
  done
  stop_pid "$RA_AGENT_PID"
}
seconds() { awk -v ms="$1" 'BEGIN {printf "%.1f s", ms / 1000}'; }

load_test() {
  local mode
  wall=()
  for mode in "${MODES[@]}"; do load_in "$mode"; done
  docker_load
}
for_each_build load_test
finish
