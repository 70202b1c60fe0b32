#!/usr/bin/env bash
# bin/launch-container --master against a real master and agent (with the
# Mesos-Stream-Id header: 0.28 and later), in every task mode: a task that
# exits 3 makes it exit 3, with the task's output and the failure printed; a
# persistent volume made by one run is found, with its data, by the next.
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
  # Issue 22: --volume persistent: RESERVEs and CREATEs the role's volume on
  # the first run; the second run finds it in its offer, with the data.
  local lc=("$DC_ROOT/bin/launch-container" --master "$RA_MASTER" --image "$RA_IMAGE" --cpus 0.1 --mem 32 --timeout 60
    --role dc-test --principal dc-test)
  timeout 120 "${lc[@]}" --id "lc-$mode-pv1" --volume persistent:pv-lc:data,size=32 'echo kept-by-lc >data/file' \
    >"$out.pv1" 2>&1
  equals "$what --volume persistent: the first run makes the volume and writes into it" 0 "$?"
  timeout 120 "${lc[@]}" --id "lc-$mode-pv2" --volume persistent:pv-lc:data 'cat data/file' >"$out.pv2" 2>&1
  equals "$what the second run reads it" "0 kept-by-lc" "$? $(grep -x kept-by-lc "$out.pv2")"
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
