#!/usr/bin/env bash
# bin/launch-container --master against a real master and agent (with the
# Mesos-Stream-Id header: 0.28 and later), in every task mode: a task that
# exits 3 makes it exit 3, with the task's output and the failure printed.
source "$(dirname "$0")/lib.sh"

launch_in() {
  local mode=$1 what="$RA_VERSION $1:" out=$RA_DIR/lc-$1
  agent_in "$mode" "lc-$mode" || return
  "$DC_ROOT/bin/launch-container" --master "$RA_MASTER" --image "$RA_IMAGE" --cpus 0.1 --mem 32 --timeout 60 \
    --id "lc-$mode" 'echo from-the-task; exit 3' >"$out.out" 2>"$out.err" &
  local pid=$!
  RA_PIDS+=("$pid")
  poll 120 pid_gone "$pid" || stop_pid "$pid" KILL
  wait "$pid"
  equals "$what launch-container exits 3 for a task that exits 3" 3 "$?"
  contains "$what it prints the task's output" from-the-task "$(cat "$out.out")"
  contains "$what and the failure" "TASK_FAILED on agent" "$(cat "$out.err")"
  contains "$what with the message" "Command exited with status 3" "$(cat "$out.err")"
  nothing_left "$what no container and no process is left"
  stop_pid "$RA_AGENT_PID"
}

launch_test() {
  if ! has_stream_id; then
    skip "launch-container --master on $RA_VERSION" "the master sends no Mesos-Stream-Id before 0.28"
    return
  fi
  local mode
  for mode in "${MODES[@]}"; do launch_in "$mode"; done
}
for_each_build launch_test
finish
