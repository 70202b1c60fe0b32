#!/usr/bin/env bash
# Host mode's command health checks (issue 21), against the stand-in agent
# (its log has `healthy=` on each update). Each check runs inside the task's
# container, with no docker client. Covered: a check that passes, then fails
# once the task removes the file it tests, and kills the task; failures in
# the grace period tolerated; a check that overruns its timeout; a check
# command that does not exist (with and without a shell); a task that ends
# during a check; what a check sees (the container's files, the task's user,
# environment, working directory and cgroup), and `enter`, which runs a
# command the same way; no check process outlives its check or its task.
# Issue 30: the container's init runs each check, so a check of a root task
# and of a nobody task has exactly the init's (and `docker exec`'s)
# capabilities, seccomp and no_new_privs, and cannot mount; a link the
# task puts at the check channel's name is refused, never followed; an
# interval of 0 runs no checks (no fork loop).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"

# launch_checked NAME HEALTH_FIELDS COMMAND: launches NAME's task with a
# health check of those fields, the first at once and each next 0.2 s after.
launch_checked() {
  HOST_TASK="health_check { delay_seconds: 0 interval_seconds: 0.2 $2 }" launch_host "$1" "$3"
}
# running_checked NAME WHAT HEALTH_FIELDS COMMAND: NAME's agent, and its task
# (launch_checked) launched and running.
running_checked() {
  agent "$1"
  check "$2: launch" launch_checked "$1" "$3" "$4"
  wait_for "$1"
}
# updates NAME PATTERN: how many of NAME's handled updates match PATTERN.
updates() { grep -c -- "$2" "$T/$1.agent.log"; }
# checks_of NAME: how many checks began (each check appends a line to `checks`).
checks_of() { cat "$(sandbox_of "$1")/checks" 2>/dev/null | wc -l; }
at_least_checks() { [ "$(checks_of "$1")" -ge "$2" ]; }
# processes MARK: how many processes on the host run `sleep MARK`.
processes() { pgrep -fxc "sleep $1"; }
# marked NAME: n is NAME-$RUN, and mark a number of its own for its check to
# `sleep $mark`, so that `processes "$mark"` counts that check's processes.
marked() {
  n=$1-$RUN
  mark=$((5000 + RANDOM % 5000))
}
# unhealthy_end NAME STATE TEXT: NAME's task ended in STATE with healthy=false,
# its message naming the check's failure TEXT; wait returns, the executor is gone.
unhealthy_end() {
  check "$1: wait returns" await_call "$1-wait" 60
  check "$1: $2, healthy=false, the check's failure in the message" \
    grep -q "^UPDATE $2 .*message=.*; health check .*$3.* healthy=false" "$T/$1.agent.log"
  check "$1: the executor has exited" test -z "$(executor_pid "$1")"
}

# --- passes, then fails: the task removes the file the check tests ------------------------
n=flips-$RUN
agent "$n" --task-killing
check "a check of a file in the container: launch" \
  launch_checked "$n" 'grace_period_seconds: 1 timeout_seconds: 5 command { value: "[ -f /tmp/healthy ]" }' \
  'touch /tmp/healthy; while [ ! -e release ]; do sleep 0.1; done; rm /tmp/healthy; sleep 300'
wait_for "$n"
check "the check passes: TASK_RUNNING healthy=true" eventually 30 agent_saw "$n" "^UPDATE TASK_RUNNING .* healthy=true"
check "the host has no such file: the check looked in the container" test ! -e /tmp/healthy
touch "$(sandbox_of "$n")/release"
check "the file removed, the check fails: TASK_RUNNING healthy=false" \
  eventually 30 agent_saw "$n" "^UPDATE TASK_RUNNING .* healthy=false"
unhealthy_end "$n" TASK_KILLED "\`\[ -f /tmp/healthy \]\` failed 3 times in a row, the last: exit status 1"
equals "healthy=true told once" 1 "$(updates "$n" "^UPDATE TASK_RUNNING .* healthy=true")"
equals "healthy=false told once" 1 "$(updates "$n" "^UPDATE TASK_RUNNING .* healthy=false")"
check "the kill began with TASK_KILLING (the framework can take it)" agent_saw "$n" "^UPDATE TASK_KILLING"
check "the sandbox says why the task was killed" grep -q "killing the task: health check" "$(sandbox_of "$n")/stderr"
stop_agent "$n"

# --- failures within the grace period are tolerated --------------------------------------------
n=grace-$RUN
agent "$n"
check "a check that fails until the task is ready, within its grace period: launch" \
  launch_checked "$n" 'grace_period_seconds: 120 consecutive_failures: 1 command { value: "echo >>checks; [ -f /tmp/ready ]" }' \
  'while [ ! -e release ]; do sleep 0.1; done; touch /tmp/ready; sleep 300'
check "three checks fail" eventually 30 at_least_checks "$n" 3
touch "$(sandbox_of "$n")/release"
check "then it passes: healthy=true" eventually 30 agent_saw "$n" "^UPDATE TASK_RUNNING .* healthy=true"
equals "no failure was told" 0 "$(updates "$n" "healthy=false")"
check "the task still runs" test -n "$(executor_pid "$n")"
wait_for "$n"
signal_agent "$n" USR1
check "a KILL ends it" await_call "$n-wait" 60
check "TASK_KILLED with no healthy field (not the health check's kill)" \
  bash -c "grep '^UPDATE TASK_KILLED' '$T/$n.agent.log' | grep -vq healthy="
stop_agent "$n"

# --- a check that overruns its timeout, leaving a child behind --------------------------------
marked timeout
running_checked "$n" "a check that sleeps past its 0.3 s timeout, one child in the background" \
  "grace_period_seconds: 0 timeout_seconds: 0.3 consecutive_failures: 5 command { value: \"echo >>checks; sleep $mark & sleep $mark\" }" \
  'sleep 300'
check "four checks began" eventually 30 at_least_checks "$n" 4
check "at most one check's processes at a time: each is killed, its background child too" \
  test "$(processes "$mark")" -le 2
unhealthy_end "$n" TASK_KILLED "failed 5 times in a row, the last: timed out after 0.3 s"
check "no check process is left" eventually 10 test "$(processes "$mark")" -eq 0
stop_agent "$n"

# --- check commands that do not exist ----------------------------------------------------------
# nosuch NAME WHAT HEALTH_FIELDS FAILURE: a long task whose check cannot
# run is killed for it, with FAILURE in its message.
nosuch() {
  n=$1-$RUN
  running_checked "$n" "$2" "$3" 'sleep 300'
  unhealthy_end "$n" TASK_KILLED "$4"
  stop_agent "$n"
}
nosuch nosuch-exec "a check of a program the container lacks (no shell)" \
  'grace_period_seconds: 0 consecutive_failures: 1 command { shell: false value: "nosuch-check" arguments: "nosuch-check" }' \
  "failed 1 time, the last: cannot execute nosuch-check: No such file or directory"
nosuch nosuch-shell "a shell check of a command the container lacks" \
  'grace_period_seconds: 0 consecutive_failures: 2 command { value: "nosuch-check" }' \
  "failed 2 times in a row, the last: exit status 127"

# --- the task ends during a check ------------------------------------------------------------------
marked during
running_checked "$n" "a long check, and a task that ends when told" \
  "timeout_seconds: 120 command { value: \"echo >>checks; sleep $mark\" }" \
  'while [ ! -e release ]; do sleep 0.1; done; exit 0'
check "a check runs" eventually 30 at_least_checks "$n" 1
check "its process runs" eventually 10 test "$(processes "$mark")" -ge 1
touch "$(sandbox_of "$n")/release"
check "the task ends: wait returns, long before the check's timeout" await_call "$n-wait" 60
check "TASK_FINISHED" agent_saw "$n" "^UPDATE TASK_FINISHED"
equals "the check killed with the container is not told as a failure" 0 "$(updates "$n" "healthy=")"
check "no check process is left" eventually 10 test "$(processes "$mark")" -eq 0
stop_agent "$n"

# --- what a check sees -----------------------------------------------------------------------------
n=sees-$RUN
# with_user_nobody COMMAND...: the task runs as nobody, with GREETING set.
with_user_nobody() {
  HOST_COMMAND='user: "nobody" environment { variables { name: "GREETING" value: "from the task" } }' "$@"
}
agent "$n"
mkdir -p "$(sandbox_of "$n")" && chmod 777 "$(sandbox_of "$n")"
# The check runs again each interval: it renames its files into place, so
# that a read never meets one the next run has just truncated (an empty uid
# was read once, on a busy machine).
check "a task of user nobody, with an environment: launch" \
  with_user_nobody launch_checked "$n" \
  'command { value: "id -u >.seen-uid; id -g >.seen-gid; ls / >.seen-root; echo \"$GREETING\" >.seen-env; pwd >.seen-cwd; cat /proc/self/cgroup >.seen-cgroup; for f in uid gid root env cwd cgroup; do mv .seen-$f seen-$f; done" }' \
  'sleep 300'
check "the check passes" eventually 30 agent_saw "$n" "^UPDATE TASK_RUNNING .* healthy=true"
seen() { cat "$(sandbox_of "$n")/seen-$1" 2>/dev/null; }
equals "it ran as the task's user (uid)" 65534 "$(seen uid)"
equals "and group" 65534 "$(seen gid)"
contains "it saw the container's root (the image's /bin)" bin "$(seen root)"
check "not the host's (no /usr in the image)" bash -c "! grep -qx usr '$(sandbox_of "$n")/seen-root'"
equals "with the task's environment" "from the task" "$(seen env)"
equals "in the task's working directory" /mnt/mesos/sandbox "$(seen cwd)"
contains "in the container's cgroup" "$(docker inspect -f '{{.Id}}' "$(name "$n")")" "$(seen cgroup)"
equals "\`enter\` runs a command the same way, its words as given" "65534 sandbox" \
  "$("$DC" enter "$(cid "$n")" -- sh -c 'echo $(id -u) $([ -d /mnt/mesos/sandbox ] && echo sandbox)' 2>&1)"
"$DC" enter "$(cid "$n")" -- sh -c 'exit 7' 2>/dev/null
equals "\`enter\` exits with the command's exit code" 7 "$?"
contains "\`enter\` of a program the container lacks: one line" \
  "container $(cid "$n"): cannot execute nosuch: No such file or directory" "$("$DC" enter "$(cid "$n")" -- nosuch 2>&1)"
wait_for "$n"
signal_agent "$n" USR1
check "a KILL ends it" await_call "$n-wait" 60
stop_agent "$n"

# --- a check has the container's confinement, no more (issue 30) -------------------------------
FIELDS='^(CapEff|CapBnd|CapPrm|CapAmb|Seccomp|NoNewPrivs):'
# as_user USER COMMAND...: the task runs as USER.
as_user() { HOST_COMMAND="user: \"$1\"" "${@:2}"; }
for user in root nobody; do
  n=confined-$user-$RUN
  agent "$n"
  mkdir -p "$(sandbox_of "$n")" && chmod 777 "$(sandbox_of "$n")"
  check "$user: a check that records its confinement and tries a mount: launch" \
    as_user "$user" launch_checked "$n" \
    "grace_period_seconds: 0 consecutive_failures: 1 command { value: \"[ -e seen-mount ] || { grep -E '$FIELDS' /proc/self/status >seen-status; busybox mount -t tmpfs none /mnt 2>/dev/null; echo \$? >seen-mount; }\" }" \
    'sleep 300'
  wait_for "$n"
  check "$user: the check passes" eventually 30 agent_saw "$n" "^UPDATE TASK_RUNNING .* healthy=true"
  seen() { cat "$(sandbox_of "$n")/seen-$1" 2>/dev/null; }
  init=$(docker exec -w / "$(name "$n")" grep -E "$FIELDS" /proc/1/status)
  equals "$user: the init's six fields are read" 6 "$(echo "$init" | wc -l)"
  equals "$user: the check's capabilities, seccomp and no_new_privs are the init's" "$init" "$(seen status)"
  equals "$user: and docker exec's" "$(docker exec -w / "$(name "$n")" grep -E "$FIELDS" /proc/self/status)" "$(seen status)"
  check "$user: its mount was refused" test "$(seen mount)" -ne 0
  # The task puts a link to the engine's socket at the channel's name (the
  # first check is written once: those after it do nothing).
  docker exec -w / "$(name "$n")" busybox ln -sf /var/run/docker.sock /mnt/mesos/containerizer/checks.sock
  unhealthy_end "$n" TASK_KILLED "failed 1 time, the last: the check channel .*checks.sock is not a socket (the task replaced it): refused"
  stop_agent "$n"
done

# --- interval_seconds 0: no checks, not a fork loop ---------------------------------------------------
n=unpaced-$RUN
launch_unpaced() {
  HOST_TASK='health_check { delay_seconds: 0 interval_seconds: 0 command { value: "echo >>checks" } }' launch_host "$1" 'sleep 300'
}
agent "$n"
check "a check with interval_seconds 0: launch" launch_unpaced "$n"
wait_for "$n"
check "the task runs" eventually 30 agent_saw "$n" "^UPDATE TASK_RUNNING"
check "the sandbox says why it runs no checks" eventually 30 grep -q \
  "no health checks: interval_seconds 0 is below the minimum of 0.1 s" "$(sandbox_of "$n")/stderr"
equals "no check ran" 0 "$(checks_of "$n")"
signal_agent "$n" USR1
check "a KILL ends it" await_call "$n-wait" 60
stop_agent "$n"
finish
