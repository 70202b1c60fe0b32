# Sourced by the host-mode tests after lib.sh: a stand-in agent per task
# (agent_standin.py, on 127.0.0.1, logging every call it receives) and
# launches of command tasks in host mode, as a 1.0 agent makes them.
# Debian's python3 with python3-protobuf (scripts/setup installs both); the
# stand-in's messages come from the program's own .proto files.
PY=/usr/bin/python3
mkdir -p "$T/py"
protoc --python_out="$T/py" -I "$DC_ROOT" "$DC_ROOT/proto/mesos.proto" "$DC_ROOT/proto/executor.proto" \
  "$DC_ROOT/proto/containerizer.proto" ||
  { not_ok "protoc --python_out"; finish; }

# agent_for NAME FRAMEWORK EXECUTOR TASK [STAND-IN FLAGS...]: starts the
# stand-in agent of task NAME; log $T/NAME.agent.log, port $T/NAME.port.
agent_for() {
  local name=$1 framework=$2 executor=$3 task=$4
  shift 4
  rm -f "$T/$name.port"
  "$PY" "$DC_ROOT/tests/integration/agent_standin.py" --python-out "$T/py" --port-file "$T/$name.port" \
    --log "$T/$name.agent.log" --framework-id "$framework" --executor-id "$executor" --task-id "$task" "$@" \
    2>>"$T/$name.agent.err" &
  echo $! >"$T/$name.agent.pid"
  eventually 20 test -s "$T/$name.port"
}
# agent NAME [FLAGS...]: the stand-in for a task launched by launch_host NAME;
# its LAUNCH carries the task of that launch's frame.
agent() {
  local name=$1
  shift
  agent_for "$name" "framework-$RUN" "executor-$name" "task-$name" --launch-frame "$T/launch.$name.bin" "$@"
}
# stop_agent NAME: the agent process ends, as when an agent stops.
stop_agent() { kill "$(cat "$T/$1.agent.pid")"; wait "$(cat "$T/$1.agent.pid")" 2>/dev/null; }
signal_agent() { kill "-$2" "$(cat "$T/$1.agent.pid")"; }
agent_saw() { grep -q -- "$2" "$T/$1.agent.log" 2>/dev/null; }
agent_log() { cat "$T/$1.agent.log" 2>/dev/null; }

# host_frame NAME COMMAND MEM: a command task's Launch as a 1.0 agent sends
# it (task_info with the command; executor_info the agent's command executor).
# The caller's HOST_COMMAND, HOST_DOCKER, HOST_CONTAINER and HOST_TASK add
# text to the task's CommandInfo, DockerInfo, ContainerInfo and TaskInfo;
# HOST_USER is its user (root).
host_frame() {
  command_task_frame "$1" \
    "command { value: \"$2\" shell: true ${HOST_COMMAND:-} }
     container { type: DOCKER docker { image: \"$TEST_IMAGE\" ${HOST_DOCKER:-} } ${HOST_CONTAINER:-} }
     ${HOST_TASK:-}" \
    "resources { name: \"cpus\" type: SCALAR scalar { value: 0.2 } }
     resources { name: \"mem\" type: SCALAR scalar { value: $3 } }
     command { value: \"/usr/libexec/mesos/mesos-executor\" shell: false
               arguments: \"mesos-executor\" arguments: \"--launcher_dir=/usr/libexec/mesos\" }
     container { type: DOCKER docker { image: \"$TEST_IMAGE\" } }" \
    "user: \"${HOST_USER:-root}\""
}

# with_executor_env NAME [VAR=VALUE...] COMMAND...: runs COMMAND with the
# executor environment a 1.0 agent gives launch, pointing at NAME's stand-in.
with_executor_env() {
  local name=$1
  shift
  (
    export CONTAINERIZER_TASK_MODE=host MESOS_AGENT_ENDPOINT=127.0.0.1:$(cat "$T/$name.port")
    export MESOS_FRAMEWORK_ID=framework-$RUN MESOS_EXECUTOR_ID=executor-$name MESOS_CHECKPOINT=0
    export MESOS_RECOVERY_TIMEOUT=15mins MESOS_SUBSCRIPTION_BACKOFF_MAX=100ms
    export MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=5secs
    while [ $# -gt 0 ] && [[ $1 == *=* ]]; do export "$1"; shift; done
    "$@"
  )
}
# launch_host NAME COMMAND [MEM] [VAR=VALUE...]: launches NAME's task in host mode.
launch_host() {
  local name=$1 frame
  frame=$(host_frame "$1" "$2" "${3:-64}")
  shift 3 2>/dev/null || shift $#
  with_executor_env "$name" "$@" call launch "$frame" && return
  not_ok "launch of $name" "$(cat "$T/err")"
  return 1
}
# wait_for NAME: starts the agent's wait on NAME's container.
wait_for() { call_async "$1-wait" wait "$(frame_for Wait "$(cid "$1")")"; }
status_of() { "$DC" decode Termination <"$T/$1-wait.out" | sed -n 's/^status: //p'; }
executor_pid() { pgrep -f -- "--state-dir $STATE executor $(cid "$1")"; }
no_refusal() { ! agent_saw "$1" REFUSED; }
# long_task NAME DESCRIPTION [VAR=VALUE...]: NAME's stand-in, and a task
# that runs until stopped, reported running.
long_task() {
  local name=$1 what=$2
  shift 2
  agent "$name"
  check "$what: launch a long task" launch_host "$name" "sleep 300" 64 "$@"
  check "$what: it runs" eventually 30 agent_saw "$name" "UPDATE TASK_RUNNING"
}
