#!/usr/bin/env bash
# Command tasks on real agents, as a framework sees them, in every task mode
# of every version in MESOS_BUILDS: exit 0 -> TASK_FINISHED, exit 3 ->
# TASK_FAILED "Command exited with status 3", a task's link as its stderr
# writes no host file, the output in the sandbox, the
# limits in the agent's /monitor/statistics, an OOM kill reported as such.
# Through mesos-execute everywhere, and through scheduler.py (the v1
# scheduler API, 0.24 and later), which sees each update's message and reason
# on every version (mesos-execute prints them only from 1.0). In override
# mode, with the v1 scheduler, health checks run in the task's container.
source "$(dirname "$0")/lib.sh"
MiB=1048576
# A task that runs until the test creates `release` in its sandbox.
HOLD='while [ ! -e release ]; do sleep 0.1; done'
OOM='x=a; while true; do x=$x$x; done'

# limits_are TASK CPUS MIB: the agent's statistics of TASK's executor show
# those limits (the task's resources plus the command executor's 0.1 cpus
# and 32 MiB, which the agent adds).
limits_are() {
  statistics_of "$1" | json "round(d['cpus_limit'], 3) == $2 and d['mem_limit_bytes'] == $3 * $MiB" >/dev/null
}

# statistics_shown WHAT TASK: while TASK (cpus 0.2, mem 64) runs.
statistics_shown() {
  local description="$1 /monitor/statistics shows cpus_limit 0.3 and mem_limit_bytes 96 MiB"
  if poll 30 limits_are "$2" 0.3 96; then ok "$description"; else not_ok "$description" "$(statistics_of "$2")"; fi
}

# Message and reason too: the v1 scheduler.
with_scheduler() {
  local what=$1 mode=$2 s=$2-sched
  schedule "$s" --timeout 120 --task stats 0.2 64 "$HOLD" --task failed 0.1 32 'echo failing; exit 3' \
    --task oom 0.1 32 "$OOM"
  if ! poll 60 grep -qs '"task_id": "stats", "state": "TASK_RUNNING"' "$RA_DIR/$s.sched"; then
    not_ok "$what the scheduler's task runs" "$(cat "$RA_DIR/$s.sched" "$RA_DIR/$s.sched.err")"
    return
  fi
  statistics_shown "$what" stats
  touch "$(sandbox_of stats)/release"
  check "$what the scheduler sees every task end" ended "$s"
  equals "$what scheduler: the held task ends TASK_FINISHED" TASK_FINISHED "$(update_of "$s" stats state)"
  equals "$what scheduler: exit 3 ends TASK_FAILED" TASK_FAILED "$(update_of "$s" failed state)"
  equals "$what scheduler: with the message" "Command exited with status 3" "$(update_of "$s" failed message)"
  equals "$what scheduler: the OOM kill ends TASK_FAILED" TASK_FAILED "$(update_of "$s" oom state)"
  if [ "$(mode_of "$mode")" = host ]; then
    contains "$what scheduler: with the memory limit as the message" "Memory limit exceeded: limit 64 MiB" \
      "$(update_of "$s" oom message)"
    equals "$what scheduler: and as the reason" REASON_CONTAINER_LIMITATION_MEMORY "$(update_of "$s" oom reason)"
  else
    # Mesos's own command executor reports the end, in its words, with no reason.
    equals "$what scheduler: with Mesos's executor's message" "Command exited with status 137" \
      "$(update_of "$s" oom message)"
  fi
  oom_waited "$what" oom
}

# oom_waited WHAT TASK: the agent's `wait` on TASK's container told the agent
# of the OOM kill (its line in the sandbox's stderr), as it tells the
# framework where the executor cannot (override mode's, a lost one's). Where
# the kernel killed the task but not Mesos's command executor (override
# mode), the container itself ended with the executor's 0: the line says so,
# with the kill, rather than claim the container hit its limit. There
# Mesos's executor sends the terminal update before it exits, so the
# container's end, and wait's line, come after the framework has seen it:
# waited for, up to 60 s.
oom_waited() {
  local stderr ended
  stderr="$(sandbox_of "$2")/stderr"
  if poll 60 grep -Eq "ended: (Memory limit exceeded: limit 64 MiB|Container exited with status 0 after [0-9]+ OOM kill)" \
    "$stderr"; then
    ok "$1 wait reports the OOM kill to the agent"
  else
    ended=$(grep 'ended: ' "$stderr")
    not_ok "$1 wait reports the OOM kill to the agent" "$stderr says: ${ended:-no line with 'ended: '}"
  fi
}

# healthy_seen SCHEDULER TASK: an update of TASK said healthy=true.
healthy_seen() { grep -qs "\"task_id\": \"$2\".*\"healthy\": true" "$RA_DIR/$1.sched"; }

# Override mode's health checks (issue 36): Mesos's command executor on the
# host starts them; each must run in the task's container, confined as the
# container is. A check that writes a file writes it in the container (the
# task waits for it and prints it), not on the host; a check comparing its
# own confinement with the container's init is healthy; a failing check
# still kills the task, as Mesos's executor does.
override_checks() {
  local what=$1 s=$2-checks mark=/tmp/dc-ra-health-$RUN-$2
  local same='for f in CapEff CapBnd Seccomp NoNewPrivs; do [ "$(grep "^$f:" /proc/self/status)" = "$(grep "^$f:" /proc/1/status)" ] || exit 1; done'
  if ! has_v1_scheduler; then
    skip "$what health checks in the container" "mesos-execute $RA_VERSION sets none, and no v1 scheduler API before 0.24"
    return
  fi
  on_exit "rm -f $mark"
  schedule "$s" --timeout 120 \
    --task marked 0.1 32 "i=0; while [ ! -s $mark ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done; cat $mark" \
    --check marked "touch $mark; id > $mark" \
    --task confined 0.1 32 "$HOLD" --check confined "$same" \
    --task failing 0.1 32 "$HOLD" --check failing 'exit 1'
  check "$what checks: the confinement check reports healthy" poll 60 healthy_seen "$s" confined
  touch "$(sandbox_of confined)/release"
  check "$what checks: the scheduler sees every task end" ended "$s"
  equals "$what checks: the task that waits for the check's file ends TASK_FINISHED" TASK_FINISHED \
    "$(update_of "$s" marked state)"
  check "$what checks: with the check's file from the container in its stdout" grep -q '^uid=' "$(sandbox_of marked)/stdout"
  check "$what checks: which the host has not" test ! -e "$mark"
  equals "$what checks: the confined task ends TASK_FINISHED" TASK_FINISHED "$(update_of "$s" confined state)"
  equals "$what checks: a failing check kills its task: TASK_KILLED" TASK_KILLED "$(update_of "$s" failing state)"
  equals "$what checks: unhealthy" False "$(update_of "$s" failing healthy)"
}

# The same through mesos-execute, where no v1 scheduler API exists (0.20):
# the states only.
without_scheduler() {
  local what=$1 mode=$2
  execute "$mode-stats" "$HOLD" "cpus:0.2;mem:64"
  execute "$mode-oom" "$OOM" "cpus:0.1;mem:32"
  if ! poll 60 saw "$mode-stats" TASK_RUNNING; then
    not_ok "$what the held task runs" "$(cat "$RA_DIR/$mode-stats.execute")"
    return
  fi
  statistics_shown "$what" "$mode-stats"
  touch "$(sandbox_of "$mode-stats")/release"
  ended "$mode-stats"
  ended "$mode-oom"
  ends_in "$what mesos-execute: the held task ends TASK_FINISHED" "$mode-stats" TASK_FINISHED
  ends_in "$what mesos-execute: the OOM kill ends TASK_FAILED" "$mode-oom" TASK_FAILED
  oom_waited "$what" "$mode-oom"
}

# linked_stderr WHAT MODE: a task replaces its sandbox's stderr with a link
# to a root-only host file no container sees (issue 38). The agent opens
# SANDBOX/stderr by name, as root, following links, for every call of the
# program, and the host executor writes its log there: the file must stay
# as it was, and the task's end be reported all the same.
linked_stderr() {
  local hostfile=$RA_DIR/host-file-$2
  echo "the host's own line" >"$hostfile"
  chmod 600 "$hostfile"
  execute "$2-linker" "ln -sf $hostfile \$MESOS_SANDBOX/stderr; sleep 4; exit 3"
  ended "$2-linker"
  ends_in "$1 a task that links its stderr to a host file ends TASK_FAILED" "$2-linker" TASK_FAILED
  # The program's last lines for that container (wait's, the sweep's) come
  # after the framework saw the end: looked at once its container is gone.
  check "$1 the linking task's container is removed" poll 60 left_none
  equals "$1 that host file is unchanged" "the host's own line" "$(cat "$hostfile")"
  check "$1 the sandbox's stderr is still a file" test -f "$(sandbox_of "$2-linker")/stderr" -a \
    ! -L "$(sandbox_of "$2-linker")/stderr"
}

tasks_in() {
  local mode=$1 what="$RA_VERSION $1:"
  agent_in "$mode" "tasks-$mode" || return
  execute "$mode-finished" 'echo to-stdout; echo to-stderr >&2'
  execute "$mode-failed" 'exit 3'
  ended "$mode-finished"
  ended "$mode-failed"
  ends_in "$what mesos-execute: exit 0 ends TASK_FINISHED" "$mode-finished" TASK_FINISHED
  ends_in "$what mesos-execute: exit 3 ends TASK_FAILED" "$mode-failed" TASK_FAILED
  if version_at_least 1.0; then
    equals "$what mesos-execute: with the message" "Command exited with status 3" \
      "$(message_of "$mode-failed" TASK_FAILED)"
  fi
  local sandbox
  sandbox=$(sandbox_of "$mode-finished")
  check "$what the task's stdout is in the sandbox" grep -qx to-stdout "$sandbox/stdout"
  check "$what its stderr too" grep -qx to-stderr "$sandbox/stderr"
  linked_stderr "$what" "$mode"
  if has_v1_scheduler; then with_scheduler "$what" "$mode"; else without_scheduler "$what" "$mode"; fi
  [ "$(mode_of "$mode")" = override ] && override_checks "$what" "$mode"
  nothing_left "$what no container and no process is left"
  stop_pid "$RA_AGENT_PID"
}

# unheard_executor MODE: override mode where the agent never registers
# Mesos's command executor, as an agent whose libprocess workers are all held
# by its waits does (a real 0.28.2 agent in CI: README, "Agents under load").
# Here the executor stops itself first thing (a --launcher_dir whose
# mesos-executor does), and the agent would kill it only after 5 minutes
# (--executor_registration_timeout): the task's exit 0 must reach the
# framework as TASK_FINISHED well before, through the Termination of a wait
# that gave the executor 20 s after its container.
unheard_executor() {
  local what="$RA_VERSION $1: an executor the agent never registers:" dir=$RA_DIR/unheard-$1-launcher
  if ! version_at_least 0.28; then
    skip "$what its task ends TASK_FINISHED" "the agent of $RA_VERSION reads no state from a Termination"
    return
  fi
  mkdir -p "$dir"
  ln -s "$mesos_launcher_dir"/* "$dir/"
  rm "$dir/mesos-executor"
  printf '#!/bin/sh\nkill -STOP $$\nexec %s/mesos-executor "$@"\n' "$mesos_launcher_dir" >"$dir/mesos-executor"
  chmod 755 "$dir/mesos-executor"
  agent_in "$1" "unheard-$1" --launcher_dir="$dir" --executor_registration_timeout=5mins || return
  execute "$1-unheard" 'echo unheard'
  ended "$1-unheard" 150
  ends_in "$what exit 0 ends TASK_FINISHED" "$1-unheard" TASK_FINISHED
  check "$what the task's output is in its sandbox" grep -qx unheard "$(sandbox_of "$1-unheard")/stdout"
  check "$what its sandbox's stderr says why" grep -q "has not ended 20 s after its container" \
    "$(sandbox_of "$1-unheard")/stderr"
  nothing_left "$what no container and no process is left"
  stop_pid "$RA_AGENT_PID"
}

each_mode() {
  local mode
  for mode in "${MODES[@]}"; do
    tasks_in "$mode"
    [ "$(mode_of "$mode")" = override ] && unheard_executor "$mode"
  done
  return 0
}
for_each_build each_mode
finish
