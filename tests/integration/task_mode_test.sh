#!/usr/bin/env bash
# Both task modes for a command task (a Launch shaped like the real 1.0.1
# one in tests/fixtures/launch-mesos-1.0.1-command-task.bin: task_info with a
# command and a DOCKER container, executor_info = the agent's command
# executor). A stand-in mesos-executor in a temporary libexec directory
# shows where it ran and with which argv.
#   executor (default): the executor runs in the container, libexec mounted
#     read-only at the same path.
#   override: the task's command runs in the container; the executor runs on
#     the host with `--override <program> --state-dir <dir> await <id>`.
source "$(dirname "$0")/lib.sh"

export CONTAINERIZER_REMOVE_DELAY=600
export MESOS_LIBEXEC_DIRECTORY=$T/libexec
mkdir -p "$MESOS_LIBEXEC_DIRECTORY"

# The stand-in records, in its working directory (the sandbox, on the host
# and in the container alike), where it runs, its pid and its argv (one per
# line). Then it runs what follows --override (that is the program's `await`,
# which exits with the container's exit code) and exits with its status,
# lingering while a file "hold" exists, so a test can make the executor
# outlive the container. Without --override it exits 6.
cat >"$MESOS_LIBEXEC_DIRECTORY/mesos-executor" <<'EOF'
#!/bin/sh
if grep -q containerizer-init /proc/1/cmdline 2>/dev/null; then echo container; else echo host; fi >executor-where
echo $$ >executor-pid
for arg in "$0" "$@"; do echo "$arg"; done >executor-argv
while [ $# -gt 0 ] && [ "$1" != --override ]; do shift; done
[ $# -gt 0 ] || exit 6
shift
"$@"
code=$?
while [ -e hold ]; do sleep 0.1; done
exit $code
EOF
chmod 755 "$MESOS_LIBEXEC_DIRECTORY/mesos-executor"

# command_task_frame ID SANDBOX TASK_COMMAND: a Launch as the agent sends for a
# command task (its executor's resources already hold the task's).
command_task_frame() {
  local file=$T/launch.$1.bin
  encode Launch >"$file" <<TEXT
container_id { value: "$1" }
task_info {
  name: "task-$1"
  task_id { value: "task-$1" }
  resources { name: "cpus" type: SCALAR scalar { value: 0.5 } }
  resources { name: "mem" type: SCALAR scalar { value: 128 } }
  command {
    environment { variables { name: "GREETING" value: "hi there" } }
    value: "$3"
    shell: true
  }
  container { type: DOCKER docker { image: "$TEST_IMAGE" } }
}
executor_info {
  executor_id { value: "task-$1" }
  resources { name: "cpus" type: SCALAR scalar { value: 0.6 } }
  resources { name: "mem" type: SCALAR scalar { value: 160 } }
  command {
    environment { variables { name: "GREETING" value: "hi there" } }
    value: "$MESOS_LIBEXEC_DIRECTORY/mesos-executor"
    shell: false
    arguments: "mesos-executor"
    arguments: "--launcher_dir=$MESOS_LIBEXEC_DIRECTORY"
  }
  framework_id { value: "framework-$RUN" }
  container { type: DOCKER docker { image: "$TEST_IMAGE" } }
}
directory: "$2"
user: "root"
TEXT
  echo "$file"
}

# launch_task ID TASK_COMMAND [MODE]: launches a command task in a new sandbox.
launch_task() {
  local sandbox
  sandbox=$(new_sandbox "$1")
  CONTAINERIZER_TASK_MODE=${3:-executor} call launch "$(command_task_frame "$1" "$sandbox" "$2")"
}

argv_of() { xargs <"$(sandbox_of "$1")/executor-argv"; }
state_of() { docker inspect -f '{{.State.Status}}' "$(name_of "$1")" 2>/dev/null; }
pid_alive() { kill -0 "$1" 2>/dev/null; }
pid_gone() { ! pid_alive "$1"; }
# status_of NAME: the Termination's status from call_async NAME's output.
status_of() { "$DC" decode Termination <"$T/$1.out" | sed -n 's/^status: //p'; }

# --- executor mode (the default) ------------------------------------------
in_container=tm-executor-$RUN
check "executor mode: launch a command task" launch_task "$in_container" "echo hello from task; exit 3"
check "the executor writes its argv" eventually 20 test -s "$(sandbox_of "$in_container")/executor-argv"
equals "the executor ran inside the container" container "$(cat "$(sandbox_of "$in_container")/executor-where")"
equals "with the executor's arguments" \
  "$MESOS_LIBEXEC_DIRECTORY/mesos-executor --launcher_dir=$MESOS_LIBEXEC_DIRECTORY" "$(argv_of "$in_container")"
equals "libexec is mounted read-only at the same path" "$MESOS_LIBEXEC_DIRECTORY false" \
  "$(docker inspect -f "{{range .Mounts}}{{if eq .Destination \"$MESOS_LIBEXEC_DIRECTORY\"}}{{.Source}} {{.RW}}{{end}}{{end}}" "$(name_of "$in_container")")"
call_async executor-wait wait "$(frame_for Wait "$in_container")"
check "wait returns" await_call executor-wait 30
equals "wait reports the executor's exit (6 << 8)" 1536 "$(status_of executor-wait)"
check "the task's own command did not run in the container" \
  bash -c "! grep -q 'hello from task' '$(sandbox_of "$in_container")/stdout'"

# --- override mode --------------------------------------------------------
on_host=tm-override-$RUN
touch "$(new_sandbox "$on_host")/hold"  # the executor outlives the container until released
check "override mode: launch a command task" launch_task "$on_host" "echo hello from task; exit 3" override
check "the host executor writes its argv" eventually 20 test -s "$(sandbox_of "$on_host")/executor-argv"
equals "the executor runs on the host" host "$(cat "$(sandbox_of "$on_host")/executor-where")"
argv=$(argv_of "$on_host")
contains "with the agent's arguments first" \
  "$MESOS_LIBEXEC_DIRECTORY/mesos-executor --launcher_dir=$MESOS_LIBEXEC_DIRECTORY --override " "$argv"
contains "then the program's await on the container" "--state-dir $STATE await $on_host" "$argv"
program=$(sed -n '/^--override$/{n;p;}' "$(sandbox_of "$on_host")/executor-argv")
check "the program after --override is an executable" test -x "$program"
check "the task's command runs in the container" eventually 20 grep -q 'hello from task' "$(sandbox_of "$on_host")/stdout"
check "the container exits" eventually 20 state_is "$on_host" exited
equals "with the task's exit code" 3 "$(docker inspect -f '{{.State.ExitCode}}' "$(name_of "$on_host")")"
call_async override-wait wait "$(frame_for Wait "$on_host")"
sleep 1.5
check "wait still blocks while the host executor runs" running override-wait
rm -f "$(sandbox_of "$on_host")/hold"
check "wait returns once the executor ends too" await_call override-wait 30
equals "wait reports the executor's status (task exit 3 -> 768)" 768 "$(status_of override-wait)"
check "the host executor has ended" eventually 10 pid_gone "$(cat "$(sandbox_of "$on_host")/executor-pid")"

# --- destroy in override mode kills the host executor ------------------------
destroyed=tm-destroy-$RUN
check "override mode: launch a long task" launch_task "$destroyed" "sleep 300" override
check "its host executor runs" eventually 20 test -s "$(sandbox_of "$destroyed")/executor-pid"
executor_pid=$(cat "$(sandbox_of "$destroyed")/executor-pid")
check "the host executor is alive" pid_alive "$executor_pid"
call_async destroyed-wait wait "$(frame_for Wait "$destroyed")"
check "destroy succeeds" call destroy "$(frame_for Destroy "$destroyed")"
check "the host executor is killed" eventually 10 pid_gone "$executor_pid"
check "the container is gone" test -z "$(state_of "$destroyed")"
check "the pending wait returns" await_call destroyed-wait 10
contains "reporting the container as killed" "killed: true" "$("$DC" decode Termination <"$T/destroyed-wait.out")"
finish
