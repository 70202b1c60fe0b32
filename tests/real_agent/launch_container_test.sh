#!/usr/bin/env bash
# bin/launch-container --master against a real master and agent (with the
# Mesos-Stream-Id header: 0.28 and later), in every task mode: a task that
# exits 3 makes it exit 3, with the task's output and the failure printed; a
# persistent volume made by one run is found, with its data, by the next.
# Then three masters on ZooKeeper, the task found through zk:// and its
# leading master killed while it runs. A master before 0.24 is named as such.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../zookeeper.sh"

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

# A master older than the v1 scheduler API (0.20.1 answers 404): one line saying so.
old_master_test() {
  "$DC_ROOT/bin/launch-container" --master "$RA_MASTER" --timeout 10 "$RA_IMAGE" true >"$RA_DIR/lc-old.out" \
    2>"$RA_DIR/lc-old.err"
  equals "$RA_VERSION: launch-container exits 1" 1 "$?"
  equals "$RA_VERSION: with one line, the master's Mesos predates the v1 scheduler API" \
    "launch-container: the master at $RA_MASTER has no /api/v1/scheduler (404 Not Found): its Mesos predates the v1 scheduler API (0.24)" \
    "$(cat "$RA_DIR/lc-old.err")"
}

launch_test() {
  if ! has_v1_scheduler; then
    old_master_test
    return
  fi
  if ! has_stream_id; then
    skip "launch-container --master on $RA_VERSION" "the master sends no Mesos-Stream-Id before 0.28"
    return
  fi
  local mode
  for mode in "${MODES[@]}"; do launch_in "$mode"; done
}
# leader: RA_MASTER becomes the master of MASTER_PORTS that leads (answers
# its state with 200; the others redirect).
leader() {
  local port
  for port in "${MASTER_PORTS[@]}"; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/master/state.json")" = 200 ]; then
      RA_MASTER=127.0.0.1:$port LEADER_PID=${MASTER_PIDS[$port]}
      return 0
    fi
  done
  return 1
}

failover_test() {
  local what="$RA_VERSION failover:" out=$RA_DIR/lc-failover i
  zookeeper_start "$RA_DIR/zk" || { not_ok "ZooKeeper starts" "$(tail -n 3 "$RA_DIR/zk/log")"; return; }
  started "$ZK_PID"
  declare -gA MASTER_PIDS=()
  MASTER_PORTS=()
  for i in 1 2 3; do
    start_master --zk="zk://$ZK/mesos" --quorum=2 --registry=replicated_log ||
      { not_ok "$what master $i starts" "$RA_ERROR"; return; }
    MASTER_PORTS+=("${RA_MASTER#*:}")
    MASTER_PIDS[${RA_MASTER#*:}]=$RA_MASTER_PID
  done
  poll 60 leader || { not_ok "$what a master is elected"; return; }
  RA_AGENT_MASTER=zk://$ZK/mesos agent_in auto lc-failover || return
  "$DC_ROOT/bin/launch-container" --master "zk://$ZK/mesos" --cpus 0.1 --mem 32 --timeout 60 --id lc-failover \
    "$RA_IMAGE" 'echo before-failover; sleep 25; echo after-failover; exit 3' >"$out.out" 2>"$out.err" &
  local pid=$! killed=$RA_MASTER
  RA_PIDS+=("$pid")
  poll 120 grep -q before-failover "$out.out" || { not_ok "$what the task runs" "$(tail -n 3 "$out.err")"; return; }
  stop_pid "$LEADER_PID" KILL
  poll 180 pid_gone "$pid" || stop_pid "$pid" KILL
  wait "$pid"
  equals "$what launch-container exits 3 for a task that exits 3" 3 "$?"
  equals "$what the task's output, before and after the leader was killed" "before-failover
after-failover" "$(cat "$out.out")"
  contains "$what the loss is told" "lost the master at $killed" "$(cat "$out.err")"
  contains "$what the new leader is subscribed to" "subscribed again as framework" "$(cat "$out.err")"
  contains "$what the end comes with its message" "TASK_FAILED on agent" "$(cat "$out.err")"
  nothing_left "$what no container and no process is left"
}

launch_tests() {
  launch_test
  has_stream_id && failover_test
}
for_each_build launch_tests
finish
