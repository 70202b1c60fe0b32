#!/usr/bin/env bash
# Task modes for the command tasks real agents send: the Launch frames
# recorded from Mesos 0.20.1, 0.28.2 and 1.0.1 (tests/fixtures/
# launch-mesos-*-command-task.bin) go through launch -> wait -> destroy in
# every mode that applies to them, with a stand-in for the agent's
# mesos-executor in a temporary libexec directory.
#   override: the task's command runs in the container; the agent's command
#     executor on the host with `--override -- <program> ... await <id>`.
#   executor: the agent's command executor runs in the container.
#   auto (the default): override for a command task from an agent without
#     MESOS_AGENT_ENDPOINT (0.20-0.26), else host (host_mode_test.sh runs the
#     0.28.2 and 1.0.1 frames in auto mode against a stand-in agent).
source "$(dirname "$0")/lib.sh"

export CONTAINERIZER_REMOVE_DELAY=600
# The fixtures' /usr/libexec/mesos is rewritten to this directory.
export MESOS_LIBEXEC_DIRECTORY=$T/libexec
mkdir -p "$MESOS_LIBEXEC_DIRECTORY"
unset MESOS_AGENT_ENDPOINT
# What 0.28 and later agents add to the launch environment (0.28.2 and 1.0.1
# src/slave/containerizer/containerizer.cpp); 0.20.1 does not.
ENDPOINT=127.0.0.1:5051

# The stand-in copies, from mesos-executor of 0.20.1 and 0.28.2
# (src/launcher/executor.cpp main() and stout's FlagsBase::load), what the
# program depends on; each line says what it copies. It also records, in its
# working directory (the sandbox, on the host and in the container alike),
# where it runs, its pid and its argv (one word per line).
cat >"$MESOS_LIBEXEC_DIRECTORY/mesos-executor" <<'EOF'
#!/bin/sh
if grep -q containerizer-init /proc/1/cmdline 2>/dev/null; then echo container; else echo host; fi >executor-where
echo $$ >executor-pid
for arg in "$0" "$@"; do echo "$arg"; done >executor-argv
override=false
# FlagsBase::load: words are read as flags until "--"; what follows it is
# kept as argv, which --override then executes.
while [ $# -gt 0 ]; do
  case $1 in
    --) shift; break ;;
    # The flags the executor defines (0.28.2: override, rootfs,
    # sandbox_directory, working_directory, user, task_command; 1.0.1 adds
    # launcher_dir and drops override).
    --override | --override=true) override=true ;;
    --launcher_dir=* | --rootfs=* | --sandbox_directory=* | --working_directory=* | --user=* | --task_command=*) ;;
    # Any other flag fails load(): its error and the usage on stderr, exit 1
    # (0.28.2 returns EXIT_FAILURE; 0.20.1 returns -1).
    --*)
      name=${1#--}
      echo "Failed to load unknown flag '${name%%=*}'" >&2
      echo "Usage: mesos-executor [options]" >&2
      exit 1 ;;
    # Words that are not flags stay in argv too; the program passes none
    # before "--", so the stand-in refuses them rather than guess.
    *) echo "stand-in mesos-executor: unexpected word '$1' before --" >&2; exit 2 ;;
  esac
  shift
done
if [ "$override" = false ]; then
  # The real one now registers with the agent and runs the task it is sent;
  # there is no agent here. Not a copy: a distinct status for the test.
  echo "stand-in mesos-executor: GREETING=$GREETING"
  exit 6
fi
# Not a copy: a test may hold the executor here, before its task, as an
# agent that never answers its registration does.
if [ -p hold ]; then read -r _ <hold; fi
# override: fork, execvp(argv[0], argv) in its own session, reap it, print
# "Command <WSTRINGIFY(status)> (pid: N)" to stdout, send the status update.
"$@" &
pid=$!
wait "$pid"
code=$?
echo "Command exited with status $code (pid: $pid)"
# Not a copy: a test may hold the executor here, after the task ended.
if [ -p release ]; then read -r _ <release; fi
# driver->stop(): run() returns DRIVER_STOPPED, main returns EXIT_SUCCESS
# whatever the task's status (that went to the agent in the update).
exit 0
EOF
chmod 755 "$MESOS_LIBEXEC_DIRECTORY/mesos-executor"

# Slave and container ids in each fixture, and its task's command.
declare -A SLAVE=([0.20.1]=20261201-081531-16777343-5150-10573-0 [0.28.2]=58890ba6-7a45-4cbd-8aeb-ea2f1f4c2fc0-S0
  [1.0.1]=dce23285-dc9c-40e6-b249-56f6c21562b5-S3)
declare -A CONTAINER=([0.20.1]=69a44ab7-bd9e-47b8-bdea-9e8d506b59e6 [0.28.2]=ccb8d17f-579d-4c29-ae24-f43bda6db5d2
  [1.0.1]=739d0e80-66a3-4cf4-98ea-d0fad73c2a29)
declare -A OUTPUT=([0.20.1]=real-agent-fail [0.28.2]=real-agent-fail [1.0.1]="hello from task")
# The task's environment (only the 1.0.1 task has one).
declare -A GREETING=([0.20.1]= [0.28.2]= [1.0.1]="hi there")

# fixture_frame VERSION NAME [TASK_COMMAND]: the real agent's frame for
# container $(cid NAME) in a fresh sandbox, in the test image, with its
# libexec paths here (and the task's command replaced, when given).
fixture_frame() {
  local sandbox file=$T/launch.$2.bin
  sandbox=$(new_sandbox "$2")
  "$DC" decode Launch <"$DC_ROOT/tests/fixtures/launch-mesos-$1-command-task.bin" |
    sed -e "s|^directory: .*|directory: \"$sandbox\"|" \
      -e "s|${CONTAINER[$1]}|$(cid "$2")|" \
      -e "s|library/busybox:1.36|$TEST_IMAGE|" \
      -e "s|/usr/libexec/mesos|$MESOS_LIBEXEC_DIRECTORY|g" \
      -e "${3:+s|value: \"echo [^\"]*\"|value: \"$3\"|}" | encode Launch >"$file"
  echo "$file"
}

# launch_fixture VERSION NAME MODE [TASK_COMMAND]: launches it as that agent does.
launch_fixture() {
  local frame
  frame=$(fixture_frame "$1" "$2" "${4:-}")
  if [ "$1" = 0.20.1 ]; then
    CONTAINERIZER_TASK_MODE=$3 call launch "$frame"
  else
    CONTAINERIZER_TASK_MODE=$3 MESOS_AGENT_ENDPOINT=$ENDPOINT call launch "$frame"
  fi
}

docker_name() { echo "mesos-${SLAVE[$1]}.$(cid "$2")"; }
docker_state() { docker inspect -f '{{.State.Status}}' "$(docker_name "$1" "$2")" 2>/dev/null; }
exited() { [ "$(docker_state "$1" "$2")" = exited ]; }
pid_gone() { ! kill -0 "$1" 2>/dev/null; }
status_of() { "$DC" decode Termination <"$T/$1.out" | sed -n 's/^status: //p'; }

# destroyed DESCRIPTION VERSION NAME: destroy succeeds and nothing remains.
destroyed() {
  check "$1: destroy succeeds" call destroy "$(frame_for Destroy "$(cid "$3")")"
  equals "$1: the container is gone" "" "$(docker_state "$2" "$3")"
  check "$1: its record is gone" test ! -e "$(record_of "$3")"
}

# launched VERSION NAME MODE WHERE: launches the fixture; its executor runs
# on the host or in the container.
launched() {
  if ! launch_fixture "$1" "$2" "$3"; then
    not_ok "$1 $3: launch" "$(cat "$T/err")"
    return 1
  fi
  ok "$1 $3: launch"
  check "$1 $3: the executor writes its argv" eventually 20 test -s "$(sandbox_of "$2")/executor-argv"
  equals "$1 $3: the executor runs on the $4 side" "$4" "$(cat "$(sandbox_of "$2")/executor-where")"
}

# on_host VERSION NAME MODE: the task's command in the container, the
# agent's executor on the host, as override mode does.
on_host() {
  local what="$1 $3" sandbox argv
  sandbox=$(sandbox_of "$2")
  mkfifo "$(new_sandbox "$2")/release"  # holds the executor once the task has ended
  launched "$@" host || return
  argv=$(xargs <"$sandbox/executor-argv")
  equals "$what: --override, --, then the program's await" \
    "$MESOS_LIBEXEC_DIRECTORY/mesos-executor --override -- $(self_path) --state-dir $STATE await $(cid "$2")" "$argv"
  check "$what: the task's command runs in the container" eventually 20 grep -q "${OUTPUT[$1]}" "$sandbox/stdout"
  check "$what: the container exits" eventually 20 exited "$1" "$2"
  equals "$what: with the task's exit code" 3 "$(docker inspect -f '{{.State.ExitCode}}' "$(docker_name "$1" "$2")")"
  check "$what: the executor saw it (as the agent's log shows)" \
    eventually 20 grep -q "^Command exited with status 3 " "$sandbox/stdout"
  update_ignored "$what: an update after the task ended succeeds" "$(cid "$2")"
  call_async "wait-$2" wait "$(frame_for Wait "$(cid "$2")")"
  check "$what: wait blocks while the host executor runs" running "wait-$2"
  check "$what: release the executor" timeout 10 sh -c "echo >'$sandbox/release'"
  check "$what: wait returns once the executor ends" await_call "wait-$2" 30
  equals "$what: reporting the executor's exit status" 0 "$(status_of "wait-$2")"
  check "$what: the executor's flags all parsed" bash -c "! grep -q 'Failed to load' '$sandbox/stderr'"
  update_ignored "$what: an update after wait succeeds" "$(cid "$2")"
  destroyed "$what" "$1" "$2"
}

# in_container VERSION NAME MODE: the agent's executor runs in the container.
in_container() {
  local what="$1 $3" sandbox
  sandbox=$(new_sandbox "$2")
  launched "$@" container || return
  check "$what: with the task's environment" \
    eventually 20 grep -qx "stand-in mesos-executor: GREETING=${GREETING[$1]}" "$sandbox/stdout"
  check "$what: the task's own command does not run" bash -c "! grep -q '${OUTPUT[$1]}' '$sandbox/stdout'"
  equals "$what: libexec is mounted read-only at the same path" "$MESOS_LIBEXEC_DIRECTORY false" \
    "$(docker inspect -f "{{range .Mounts}}{{if eq .Destination \"$MESOS_LIBEXEC_DIRECTORY\"}}{{.Source}} {{.RW}}{{end}}{{end}}" \
      "$(docker_name "$1" "$2")")"
  call_async "wait-$2" wait "$(frame_for Wait "$(cid "$2")")"
  check "$what: wait returns" await_call "wait-$2" 30
  equals "$what: the executor's exit (6 << 8)" 1536 "$(status_of "wait-$2")"
  update_ignored "$what: an update after the end succeeds" "$(cid "$2")"
  destroyed "$what" "$1" "$2"
}

# The binary the wrapper runs (scripts/test --sanitize points it at its own build).
self_path() { readlink -f "${CONTAINERIZER_BINARY:-$DC_ROOT/build/docker-containerizer}"; }

# 0.20.1: shell unset (true), no MESOS_AGENT_ENDPOINT.
on_host 0.20.1 a20-override override
on_host 0.20.1 a20-auto auto
in_container 0.20.1 a20-executor executor
# 0.28.2: shell true, MESOS_AGENT_ENDPOINT set.
on_host 0.28.2 a28-override override
in_container 0.28.2 a28-executor executor
# 1.0.1: shell false with arguments; its mesos-executor has no --override.
in_container 1.0.1 a10-executor executor

# --- destroy in override mode kills the host executor ------------------------
long=a28-destroy
check "override: launch a long task" launch_fixture 0.28.2 "$long" override "sleep 300"
check "its host executor runs" eventually 20 test -s "$(sandbox_of "$long")/executor-pid"
executor_pid=$(cat "$(sandbox_of "$long")/executor-pid")
check "the host executor is alive" kill -0 "$executor_pid"
call_async long-wait wait "$(frame_for Wait "$(cid "$long")")"
destroyed "override, running" 0.28.2 "$long"
check "the host executor is killed" eventually 10 pid_gone "$executor_pid"
check "the pending wait returns" await_call long-wait 10
contains "reporting the container as killed" "killed: true" "$("$DC" decode Termination <"$T/long-wait.out")"

# --- an agent that never answers Mesos's executor ----------------------------
# A real 0.28.2 agent with all its libprocess workers held by the reads of
# its waits never registered the executors: their containers had ended, their
# waits waited for the executors, and the agent stopped for good. A wait that
# an agent reads gives the executor 20 s after its container, then stops it.
stalled=a28-stalled
mkfifo "$(new_sandbox "$stalled")/hold"  # the executor never gets its task
check "stalled agent: launch" launch_fixture 0.28.2 "$stalled" override "exit 3"
check "stalled agent: its host executor runs" eventually 20 test -s "$(sandbox_of "$stalled")/executor-pid"
executor_pid=$(cat "$(sandbox_of "$stalled")/executor-pid")
check "stalled agent: the container exits" eventually 20 exited 0.28.2 "$stalled"
# Read as the agent reads a wait: through a pipe, its stdin left open, its
# stderr in the sandbox's.
mkfifo "$T/stdin.stalled"
{ cat "$(frame_for Wait "$(cid "$stalled")")"; exec sleep 600; } >"$T/stdin.stalled" &
holder=$!
on_exit "kill $holder 2>/dev/null"
"$DC" wait <"$T/stdin.stalled" 2>>"$(sandbox_of "$stalled")/stderr" | cat >"$T/stalled.out" &
reader=$!
check "stalled agent: wait returns without the executor" eventually 90 pid_gone "$reader"
termination=$("$DC" decode Termination <"$T/stalled.out")
contains "stalled agent: reporting the container's exit (3 << 8)" "status: 768" "$termination"
contains "stalled agent: with the task's state for the agent" "state: TASK_FAILED" "$termination"
check "stalled agent: the executor is stopped" eventually 10 pid_gone "$executor_pid"
contains "stalled agent: saying why, on stderr" "has not ended 20 s after its container" \
  "$(cat "$(sandbox_of "$stalled")/stderr")"
destroyed "stalled agent" 0.28.2 "$stalled"
finish
