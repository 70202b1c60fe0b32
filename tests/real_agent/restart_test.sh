#!/usr/bin/env bash
# Agent restarts with checkpointing (mesos-execute --checkpoint), in every
# task mode of every version in MESOS_BUILDS. Two tasks run on one agent,
# then the agent is SIGKILLed: task `through` goes on and ends after the agent
# has restarted; task `away` ends while the agent is down, which stays down
# REAL_AGENT_AWAY (35) seconds longer, past the executor's 30 s wait for an
# acknowledgement. Both must reach the framework as TASK_FINISHED, and the
# program's processes must use little CPU while the agent is away: read
# from /proc, never timed.
source "$(dirname "$0")/lib.sh"
AWAY=${REAL_AGENT_AWAY:-35}
# CPU the program may use, all its processes together, while the agent is away.
MAX_TICKS=$RA_CLK_TCK
HOLD='while [ ! -e release ]; do sleep 0.1; done; echo released'

# stopped TASK: TASK's container runs no more.
stopped() {
  [ -z "$(docker ps -q --filter "label=docker-containerizer.work-directory=$RA_WORK" \
    --filter "label=docker-containerizer.executor-id=$1")" ]
}

# away_ticks SECONDS: CPU ticks of the program's processes for RA_WORK over
# SECONDS, sampled every second (a process that ends in between loses at
# most its last second); a process that appears meanwhile counts from 0.
away_ticks() {
  local -A first last
  local pid end=$((SECONDS + $1))
  for pid in $(processes_of "$RA_WORK" program); do first[$pid]=$(cpu_ticks "$pid"); done
  while :; do
    for pid in $(processes_of "$RA_WORK" program); do last[$pid]=$(cpu_ticks "$pid"); done
    [ "$SECONDS" -ge "$end" ] && break
    sleep 1
  done
  local total=0
  for pid in "${!last[@]}"; do total=$((total + ${last[$pid]} - ${first[$pid]:-0})); done
  echo "$total"
}

restart_in() {
  local mode=$1 what="$RA_VERSION $1:" task
  agent_in "$mode" "restart-$mode" || return
  for task in through away; do execute "$mode-$task" "$HOLD" "cpus:0.1;mem:48" --checkpoint; done
  if ! poll 60 saw "$mode-through" TASK_RUNNING || ! poll 60 saw "$mode-away" TASK_RUNNING; then
    not_ok "$what both checkpointed tasks run" "$(cat "$RA_DIR/$mode-through.execute" "$RA_DIR/$mode-away.execute")"
    return
  fi
  kill_agent KILL
  touch "$(sandbox_of "$mode-away")/release"
  check "$what task away ends while the agent is down" poll 60 stopped "$mode-away"
  local ticks
  ticks=$(away_ticks "$AWAY")
  echo "# $what the program's processes used $ticks CPU ticks ($RA_CLK_TCK a second) in the $AWAY s after the task's end"
  check "$what they use less than 1 s of CPU while the agent is away" test "$ticks" -lt "$MAX_TICKS"
  agent_in "$mode" "restart-$mode" || return
  touch "$(sandbox_of "$mode-through")/release"
  ended "$mode-through"
  ended "$mode-away"
  ends_in "$what task through, running when the agent was killed, ends TASK_FINISHED after the restart" \
    "$mode-through" TASK_FINISHED
  # Before 0.28 an agent takes no state from a Termination (0.20 has no such
  # field), and Mesos's own command executor exits 1 s after the task ends,
  # connected or not: in override mode there the end is lost (README).
  if [ "$(mode_of "$mode")" = override ] && ! version_at_least 0.28; then
    skip "$what task away, which ended while the agent was down" \
      "Mesos $RA_VERSION's executor exits while disconnected and its agent reads no Termination state"
  else
    ends_in "$what task away, which ended while the agent was down, ends TASK_FINISHED" "$mode-away" TASK_FINISHED
  fi
  nothing_left "$what no container and no process is left"
  stop_pid "$RA_AGENT_PID"
}

restart_test() {
  local mode
  for mode in "${MODES[@]}"; do restart_in "$mode"; done
}
for_each_build restart_test
finish
