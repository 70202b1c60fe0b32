#!/usr/bin/env bash
# Host mode for long-running services (issue 21), against the stand-in agent:
# TASK_KILLING before the kill for a framework with the TASK_KILLING_STATE
# capability (and not without it), on KILL and SHUTDOWN.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"

# line_of NAME PATTERN: the number of the first line of NAME's agent log matching PATTERN.
line_of() { grep -n -m1 -- "$2" "$T/$1.agent.log" | cut -d: -f1; }

# --- TASK_KILLING ----------------------------------------------------------------
for capable in yes no; do
  n=killing-$capable-$RUN
  if [ "$capable" = yes ]; then flags=(--task-killing); else flags=(); fi
  agent "$n" "${flags[@]}"
  check "capability $capable: launch a long task" launch_host "$n" "sleep 300"
  check "capability $capable: it runs" eventually 30 agent_saw "$n" "UPDATE TASK_RUNNING"
  wait_for "$n"
  signal_agent "$n" USR1
  check "capability $capable: wait returns after the KILL" await_call "$n-wait" 60
  check "capability $capable: TASK_KILLED" agent_saw "$n" "UPDATE TASK_KILLED"
  if [ "$capable" = yes ]; then
    check "with the capability: TASK_KILLING" agent_saw "$n" "UPDATE TASK_KILLING source=SOURCE_EXECUTOR uuid_bytes=16 task=task-$n"
    check "after TASK_RUNNING, before TASK_KILLED" \
      test "$(line_of "$n" "UPDATE TASK_RUNNING")" -lt "$(line_of "$n" "UPDATE TASK_KILLING")" -a \
      "$(line_of "$n" "UPDATE TASK_KILLING")" -lt "$(line_of "$n" "UPDATE TASK_KILLED")"
    contains "the Termination carries TASK_KILLED, not TASK_KILLING" "state: TASK_KILLED" \
      "$("$DC" decode Termination <"$T/$n-wait.out")"
  else
    check "without it: no TASK_KILLING" bash -c "! grep -q TASK_KILLING '$T/$n.agent.log'"
  fi
  check "capability $capable: the agent refused no call" no_refusal "$n"
  stop_agent "$n"
done

n=killing-shutdown-$RUN
agent "$n" --task-killing
check "SHUTDOWN, with the capability: launch a long task" launch_host "$n" "sleep 300"
check "it runs" eventually 30 agent_saw "$n" "UPDATE TASK_RUNNING"
wait_for "$n"
signal_agent "$n" USR2
check "wait returns after the SHUTDOWN" await_call "$n-wait" 60
check "TASK_KILLING before TASK_KILLED, as Mesos's executors do on SHUTDOWN" \
  test "$(line_of "$n" "UPDATE TASK_KILLING")" -lt "$(line_of "$n" "UPDATE TASK_KILLED")"
stop_agent "$n"
finish
