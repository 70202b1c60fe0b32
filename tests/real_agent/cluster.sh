# Real Mesos masters and agents on loopback with this program as their
# containerizer, and frameworks to drive them. Sourced by
# tests/real_agent/lib.sh (the tests) and scripts/bench (part real_agent).
# The caller sets DC_ROOT and RA_DIR (a scratch directory of its own) and
# runs cluster_cleanup at exit.
#
# MESOS_BUILDS names Mesos builds or install prefixes, space-separated:
#   PREFIX/build/src/.libs/mesos-master   a build of ../shared/tools/build-mesos-*
#   BUILD/src/.libs/mesos-master          a Mesos build directory itself
#   PREFIX/sbin/mesos-master              an installed Mesos (bin/, sbin/, libexec/mesos)

RA_IMAGE=${TEST_IMAGE:-docker-containerizer/busybox:test}
RA_PIDS=()       # every Mesos daemon and framework started here: killed at cleanup
RA_AGENT_ENV=()  # NAME=VALUE for the next agents' environment (CONTAINERIZER_TASK_MODE=...)
RA_WORK_DIRS=()  # every agent's --work_dir: its containers are removed at cleanup
RA_CLK_TCK=$(getconf CLK_TCK)
RA_CORES=$(getconf _NPROCESSORS_ONLN)

source "$DC_ROOT/bin/mesos-build.sh"

# use_build ENTRY: selects the Mesos of one MESOS_BUILDS entry (find_mesos,
# bin/mesos-build.sh): RA_BUILD, RA_VERSION, RA_MASTER_BIN, RA_AGENT_BIN,
# RA_EXECUTE_BIN, and RA_ENV, the `env` command that runs them on loopback
# with their libraries ("${RA_ENV[@]}" PROGRAM ... & leaves the program's own
# pid in $!). Masters and agents run through bin/mesos-master.sh and
# bin/mesos-slave.sh with MESOS_BUILD_DIR=RA_BUILD, which exec the program.
# Returns 1 with RA_ERROR saying why not.
use_build() {
  RA_ERROR= RA_VERSION= RA_BUILD=${1%/}
  find_mesos "$RA_BUILD" || { RA_ERROR=$mesos_error; return 1; }
  RA_LIBS=$mesos_libs RA_MASTER_BIN=$mesos_master RA_AGENT_BIN=$mesos_agent RA_EXECUTE_BIN=$mesos_execute
  # Mesos reads MESOS_* variables as flags, and unknown ones can stop it:
  # the caller's (MESOS_BUILDS, MESOS_WORK_DIRECTORY...) are left out.
  local name
  RA_ENV=(env)
  for name in $(compgen -e); do [[ $name == MESOS_* ]] && RA_ENV+=(-u "$name"); done
  RA_ENV+=(LD_LIBRARY_PATH="$RA_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" LIBPROCESS_IP=127.0.0.1)
  RA_VERSION=$("${RA_ENV[@]}" "$RA_MASTER_BIN" --version 2>/dev/null | awk '$1 == "mesos" {print $2; exit}')
  [ -n "$RA_VERSION" ] || { RA_ERROR="$RA_BUILD: mesos-master --version did not say its version"; return 1; }
  # Flags differ between versions: ask the programs.
  RA_EXECUTE_HELP=$("${RA_ENV[@]}" "$RA_EXECUTE_BIN" --help 2>&1)
  RA_AGENT_HELP=$("${RA_ENV[@]}" "$RA_AGENT_BIN" --help 2>&1)
  return 0  # --help exits 1 before 0.28
}

# version_at_least VERSION: the selected Mesos is VERSION or later.
version_at_least() { [ "$(printf '%s\n%s\n' "$1" "$RA_VERSION" | sort -V | head -n 1)" = "$1" ]; }

# The features each test needs, by the version that brought them.
has_v1_scheduler() { version_at_least 0.24; }
# launch-container --master needs the Mesos-Stream-Id header (0.28).
has_stream_id() { version_at_least 0.28; }
# The v1 executor API, hence `host` mode and `auto` choosing it.
has_v1_executor() { version_at_least 0.27; }
# mesos-executor --override, which 1.0 dropped.
has_override() { ! version_at_least 1.0; }
# Mesos's own Docker containerizer side by side: only with
# --docker_kill_orphans=false (0.28), else it would kill every mesos-*
# container on the engine, other agents' included.
has_docker_comparison() { version_at_least 0.28; }

# started PID: a process started in the background, to be killed at
# cleanup; out of the shell's jobs, so that killing it prints no notice
# (the shell still reaps it: pid_gone, not wait, tells it has ended).
started() {
  RA_PIDS+=("$1")
  disown "$1"
}

# free_port, and poll SECONDS COMMAND... (eventually).
source "$DC_ROOT/tests/wait.sh"

# get URL: the body, or failure.
get() { curl -sf --max-time 10 "$1"; }

# json EXPRESSION: evaluates a Python EXPRESSION on the JSON document on
# stdin (as `d`) and prints the result; fails quietly when it is False,
# None or an empty list, or cannot be evaluated.
json() {
  python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
    r = eval(sys.argv[1])
except Exception:  # not (yet) what was asked for: an empty answer, a missing key
    sys.exit(1)
if r is False or r is None or r == []: sys.exit(1)
print(r if isinstance(r, str) else json.dumps(r))' "$1"
}

# start_master [FLAG...]: a master on a free port, with an in-memory registry
# unless the FLAGs name one: RA_MASTER (127.0.0.1:PORT), RA_MASTER_PID.
start_master() {
  local port dir registry=(--registry=in_memory)
  [[ " $* " == *" --registry="* ]] && registry=()
  port=$(free_port)
  dir=$(mktemp -d "$RA_DIR/master.XXXX")
  mkdir -p "$dir/work" "$dir/log"
  "${RA_ENV[@]}" MESOS_BUILD_DIR="$RA_BUILD" "$DC_ROOT/bin/mesos-master.sh" --ip=127.0.0.1 --port="$port" --work_dir="$dir/work" --log_dir="$dir/log" \
    "${registry[@]}" "$@" >"$dir/out" 2>&1 &
  RA_MASTER_PID=$!
  started "$RA_MASTER_PID"
  RA_MASTER=127.0.0.1:$port
  up "$RA_MASTER_PID" "$dir/out" "the $RA_VERSION master" master_answers
}
master_answers() { get "http://$RA_MASTER/master/state.json" >/dev/null; }

# up PID OUTPUT WHAT COMMAND...: polls COMMAND up to 60 s, as long as PID
# lives; else fails with RA_ERROR saying so, with the end of OUTPUT.
up() {
  local pid=$1 output=$2 what=$3
  shift 3
  poll 60 up_or_gone "$pid" "$@"
  if pid_gone "$pid"; then RA_ERROR="$what exited: $(tail -n 1 "$output")"
  elif ! "$@"; then RA_ERROR="$what is not up after 60 s: $(tail -n 1 "$output")"
  else return 0; fi
  return 1
}
up_or_gone() {
  pid_gone "$1" && return
  shift
  "$@"
}

# start_agent NAME [FLAG...]: an agent of the selected Mesos registered with
# RA_MASTER, this program as its containerizer unless the FLAGs choose
# another (--containerizers=...). Its work dir $RA_DIR/NAME/work is kept
# across restarts (start_agent NAME again after kill_agent). Variables in
# the array RA_AGENT_ENV (NAME=VALUE) go into its environment, hence into
# the program's. Its --master is RA_AGENT_MASTER (e.g. zk://...) if set, else
# RA_MASTER. Sets RA_AGENT (127.0.0.1:PORT), RA_AGENT_PID, RA_WORK.
declare -A RA_AGENT_PORTS
start_agent() {
  local name=$1 dir=$RA_DIR/$1 port since
  shift
  port=${RA_AGENT_PORTS[$dir]:-$(free_port)}
  RA_AGENT_PORTS[$dir]=$port
  RA_WORK=$dir/work
  mkdir -p "$RA_WORK" "$dir/log"
  [[ " ${RA_WORK_DIRS[*]} " == *" $RA_WORK "* ]] || RA_WORK_DIRS+=("$RA_WORK")
  # bin/mesos-slave.sh adds this program as the containerizer (unless the
  # FLAGs choose another) and the --launcher_dir.
  local flags=(--master="${RA_AGENT_MASTER:-$RA_MASTER}" --ip=127.0.0.1 --port="$port" --work_dir="$RA_WORK" --log_dir="$dir/log"
    --resources="${RA_RESOURCES:-cpus:8;mem:8192}")
  # Where the agent knows systemd (0.28 on), it refuses to start on a host
  # that runs without it, as these do.
  [[ $RA_AGENT_HELP == *systemd_enable_support* ]] && flags+=(--systemd_enable_support=false)
  since=$(date +%s)
  # libprocess's own number of worker threads, max(8, cores), not the
  # script's 256: the load test's 40 tasks are to meet a stalled 1.0 agent.
  "${RA_ENV[@]}" MESOS_BUILD_DIR="$RA_BUILD" LIBPROCESS_NUM_WORKER_THREADS=$((RA_CORES > 8 ? RA_CORES : 8)) \
    "${RA_AGENT_ENV[@]}" "$DC_ROOT/bin/mesos-slave.sh" "${flags[@]}" "$@" >>"$dir/out" 2>&1 &
  RA_AGENT_PID=$!
  started "$RA_AGENT_PID"
  RA_AGENT=127.0.0.1:$port
  # After a restart: until the master has the agent back (re-registered).
  up "$RA_AGENT_PID" "$dir/out" "the $RA_VERSION agent $name" agent_registered "$port" "$since"
}

# agent_registered PORT SINCE: the master lists the agent on PORT as
# registered, or re-registered, at SINCE (epoch seconds) or later.
agent_registered() {
  get "http://$RA_MASTER/master/state.json" | json "
[s for s in d['slaves'] if s['pid'].endswith(':$1') and s.get('active', True)
 and max(s.get('registered_time', 0), s.get('reregistered_time', 0)) >= $2 - 1]" >/dev/null
}

# kill_agent [SIGNAL]: ends RA_AGENT_PID (default SIGKILL) and waits for it.
kill_agent() { stop_pid "$RA_AGENT_PID" "${1:-KILL}"; }

# stop_pid PID [SIGNAL]: signals PID (default TERM), waits up to 30 s for it
# to end, then kills it.
stop_pid() {
  kill -"${2:-TERM}" "$1" 2>/dev/null
  poll 30 pid_gone "$1" || kill -KILL "$1" 2>/dev/null
  poll 10 pid_gone "$1"
  return 0
}
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# stop_cluster: the agents and masters started so far, gracefully.
stop_cluster() {
  local pid
  for pid in "${RA_PIDS[@]}"; do stop_pid "$pid"; done
  RA_PIDS=()
}

# execute NAME COMMAND [RESOURCES] [FLAG...]: mesos-execute of one command
# task in the test image against RA_MASTER, in the background: its output in
# $RA_DIR/NAME.execute, its pid in RA_EXECUTE_PID and $RA_DIR/NAME.pid. It
# exits once the task has ended.
execute() {
  local name=$1 command=$2 resources=${3:-cpus:0.1;mem:48}
  shift 3 2>/dev/null || shift $#
  local flags=(--master="$RA_MASTER" --name="$name" --command="$command" --resources="$resources"
    --docker_image="$RA_IMAGE")
  # Before 0.28 a --docker_image alone makes a DOCKER ContainerInfo.
  [[ $RA_EXECUTE_HELP == *--containerizer=* ]] && flags+=(--containerizer=docker)
  : >"$RA_DIR/$name.execute"  # before the background start: polls read it at once
  "${RA_ENV[@]}" "$RA_EXECUTE_BIN" "${flags[@]}" "$@" >"$RA_DIR/$name.execute" 2>&1 &
  RA_EXECUTE_PID=$!
  started "$RA_EXECUTE_PID"
  echo "$RA_EXECUTE_PID" >"$RA_DIR/$name.pid"
}

# states NAME: the states mesos-execute NAME received, in order, one a line.
states() { sed -n 's/^Received status update \(TASK_[A-Z_]*\) .*/\1/p' "$RA_DIR/$1.execute"; }
final_state() { states "$1" | tail -n 1; }
# saw NAME STATE: mesos-execute NAME received STATE.
saw() { states "$1" | grep -qx "$2"; }
# message_of NAME STATE: the message of STATE (mesos-execute 1.0 prints it).
message_of() {
  sed -n "/^Received status update $2 /,/^Received/ s/^  message: '\(.*\)'$/\1/p" "$RA_DIR/$1.execute"
}

# schedule NAME [SCHEDULER_ARG...]: tests/real_agent/scheduler.py (a v1
# scheduler, 0.24 and later) against RA_MASTER in the background, with the
# test image: its JSON lines in $RA_DIR/NAME.sched, its pid in
# $RA_DIR/NAME.pid. It exits once all its --task have ended.
schedule() {
  local name=$1
  shift
  python3 "$DC_ROOT/tests/real_agent/scheduler.py" --master "$RA_MASTER" --name "$name" --image "$RA_IMAGE" "$@" \
    >"$RA_DIR/$name.sched" 2>"$RA_DIR/$name.sched.err" &
  started $!
  echo $! >"$RA_DIR/$name.pid"
}

# update_of NAME TASK FIELD: FIELD (state, message, reason, source) of the
# last status update scheduler NAME printed for TASK.
update_of() {
  python3 - "$RA_DIR/$1.sched" "$2" "$3" <<'PY'
import json, sys
path, task, field = sys.argv[1:]
last = {}
for line in open(path):
    event = json.loads(line)
    if event.get("event") == "UPDATE" and event["task_id"] == task:
        last = event
print(last.get(field, ""))
PY
}

# sandbox_of TASK: the latest run of command task TASK's sandbox in RA_WORK.
sandbox_of() {
  local runs
  for runs in "$RA_WORK"/slaves/*/frameworks/*/executors/"$1"/runs; do echo "$runs/latest"; return; done
}

# statistics_of TASK: the agent's /monitor/statistics entry of TASK's executor.
statistics_of() {
  local path=/monitor/statistics
  version_at_least 0.28 || path=/monitor/statistics.json
  get "http://$RA_AGENT$path" | json "[e['statistics'] for e in d if e['executor_id'] == '$1'][0]"
}

# containers_of WORK: ids of the containers of agent work directory WORK.
containers_of() { docker ps -aq --filter "label=docker-containerizer.work-directory=$1"; }

# processes_of WORK [program]: pids of the host processes (not those in
# containers) that run for agent work directory WORK: the program's calls,
# executors and supervisors (the agent gives them MESOS_WORK_DIRECTORY), and
# anything naming a path under WORK on its command line (Mesos's executors,
# their docker clients). With `program`, only this program's own.
processes_of() {
  python3 - "$1" "${2:-}" <<'PY'
import os, sys
work, program_only = sys.argv[1], sys.argv[2] == "program"
host = os.readlink("/proc/self/ns/pid")
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if int(pid) == os.getpid() or os.readlink("/proc/%s/ns/pid" % pid) != host:
            continue
        if program_only and not os.readlink("/proc/%s/exe" % pid).endswith("/docker-containerizer"):
            continue
        env = open("/proc/%s/environ" % pid, "rb").read().split(b"\0")
        cmdline = open("/proc/%s/cmdline" % pid, "rb").read().replace(b"\0", b" ")
    except OSError:
        continue
    if ("MESOS_WORK_DIRECTORY=" + work).encode() in env or (work + "/").encode() in cmdline:
        print(pid)
PY
}

# cpu_ticks PID: user+system CPU ticks PID has used (0 when it is gone).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# cluster_cleanup: every process started here or running for one of its
# agents, by pid, and every container of those agents (ours by label,
# Mesos's Docker containerizer's by its agent id in their names).
cluster_cleanup() {
  local pid work ids=()
  for pid in "${RA_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for work in "${RA_WORK_DIRS[@]}"; do
    for pid in $(processes_of "$work"); do kill -KILL "$pid" 2>/dev/null; done
    ids+=($(containers_of "$work"))
    local agent_id
    agent_id=$(basename "$(readlink "$work/meta/slaves/latest" 2>/dev/null)" 2>/dev/null)
    [ -n "$agent_id" ] && ids+=($(docker ps -aq --filter "name=mesos-$agent_id"))
  done
  [ ${#ids[@]} -gt 0 ] && docker rm -f -v "${ids[@]}" >/dev/null 2>&1
  RA_PIDS=()
  return 0
}

# load_run AGENT_NAME N: N mesos-execute at once on the running agent, task
# i running `echo load-$i; sleep 5; exit $((i % 3))` with cpus 0.1 and mem
# 48 (issue 20's load test); waits up to 300 s for them all and sets
# LOAD_MS to the wall time from the first start to the last exit. Their
# outputs: $RA_DIR/AGENT_NAME-load-$i.execute.
load_run() {
  local pids=() i pid start
  start=${EPOCHREALTIME/./}
  for i in $(seq 1 "$2"); do
    execute "$1-load-$i" "echo load-$i; sleep 5; exit $((i % 3))" "cpus:0.1;mem:48"
    pids+=("$RA_EXECUTE_PID")
  done
  local deadline=$((SECONDS + 300))
  for pid in "${pids[@]}"; do
    while ! pid_gone "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  done
  LOAD_MS=$(((${EPOCHREALTIME/./} - start) / 1000))
  for pid in "${pids[@]}"; do stop_pid "$pid" KILL; done
}
