# Sourced by every tests/integration/*_test.sh: TAP output, a private
# workspace, and helpers that drive the program exactly as an agent does.
# Each test file gets its own MESOS_WORK_DIRECTORY, so its containers carry
# their own label and are removed on exit even when the test fails.
set -uo pipefail

DC_ROOT=${DC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DC=$DC_ROOT/bin/docker-containerizer
TEST_IMAGE=${TEST_IMAGE:-docker-containerizer/busybox:test}
T=$(mktemp -d /tmp/dc-test.XXXXXX)
chmod 755 "$T"
export MESOS_WORK_DIRECTORY=$T/work
mkdir -p "$MESOS_WORK_DIRECTORY"
# Unique per run, so parallel test files never share a container name.
RUN=$(basename "$T" | tr -dc 'A-Za-z0-9')
tests_run=0
tests_failed=0

cleanup() {
  local ids
  ids=$(docker ps -aq --filter "label=docker-containerizer.work-directory=$MESOS_WORK_DIRECTORY" 2>/dev/null)
  [ -n "$ids" ] && docker rm -f -v $ids >/dev/null 2>&1
  jobs -p | xargs -r kill 2>/dev/null
  pkill -f "$T" 2>/dev/null
  # DC_TEST_KEEP=1 keeps the workspace (logs, sandboxes) to look into a failure.
  if [ -n "${DC_TEST_KEEP:-}" ]; then echo "# workspace kept: $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT

ok() { tests_run=$((tests_run + 1)); echo "ok $tests_run - $1"; }
not_ok() {
  tests_run=$((tests_run + 1))
  tests_failed=$((tests_failed + 1))
  echo "not ok $tests_run - $1"
  shift
  [ $# -gt 0 ] && printf '#   %s\n' "$@"
}
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
  local description=$1
  shift
  if "$@"; then ok "$description"; else not_ok "$description" "failed: $*"; fi
}
# equals DESCRIPTION EXPECTED ACTUAL
equals() {
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}
# contains DESCRIPTION NEEDLE HAYSTACK
contains() {
  case "$3" in *"$2"*) ok "$1" ;; *) not_ok "$1" "expected to contain: $2" "actual: $3" ;; esac
}
finish() {
  echo "1..$tests_run"
  [ "$tests_failed" -eq 0 ]
  exit $?
}

# encode MESSAGE <<< TEXT > FRAME
encode() { "$DC" encode "$1"; }

# call COMMAND [FRAME_FILE]: runs the program like the agent: stdin is a pipe
# that stays open (the frame, then nothing), stdout captured in $T/out, and
# stderr a pipe copied into $T/err (as the agent copies it into the sandbox's
# stderr). Returns the program's exit code.
call() {
  local fifo=$T/stdin.$BASHPID.$RANDOM errfd copier
  mkfifo "$fifo"
  { [ -n "${2:-}" ] && cat "$2"; exec sleep 600; } >"$fifo" &
  local holder=$!
  exec {errfd}> >(exec cat >"$T/err")
  copier=$!
  "$DC" "$1" <"$fifo" >"$T/out" 2>&$errfd {errfd}>&-
  local rc=$?
  exec {errfd}>&-
  wait "$copier"
  kill "$holder" 2>/dev/null
  wait "$holder" 2>/dev/null
  rm -f "$fifo"
  return $rc
}

# frame_for MESSAGE ID: a Wait/Destroy/Usage frame file for container ID.
# Written aside and renamed into place: a call_async started with the same
# frame may still be reading the previous file, and truncating it under that
# reader left the call blocked on its stdin forever (the "wait that never
# returned" of two parallel waits, issue 20).
frame_for() {
  local file=$T/$1.$2.bin aside
  aside=$(mktemp "$file.XXXXXX")
  echo "container_id { value: \"$2\" }" | encode "$1" >"$aside"
  mv -f "$aside" "$file"
  echo "$file"
}

# new_sandbox NAME: a fresh sandbox directory.
new_sandbox() {
  local dir=$T/sandboxes/$1
  mkdir -p "$dir"
  echo "$dir"
}

# launch_frame ID SANDBOX COMMAND [EXTRA_EXECUTOR_TEXT] [EXTRA_LAUNCH_TEXT]:
# a Launch whose executor runs COMMAND with shell=true in the test image.
launch_frame() {
  local file=$T/launch.$1.bin
  encode Launch >"$file" <<TEXT
container_id { value: "$1" }
directory: "$2"
executor_info {
  executor_id { value: "executor-$1" }
  framework_id { value: "framework-$RUN" }
  command { value: "$3" }
  container { type: DOCKER docker { image: "$TEST_IMAGE" } }
  resources { name: "cpus" type: SCALAR scalar { value: 0.5 } }
  resources { name: "mem" type: SCALAR scalar { value: 64 } }
  ${4:-}
}
${5:-}
TEXT
  echo "$file"
}

# update_frame ID RESOURCE_TEXT...: an Update frame file with those Resources.
update_frame() {
  local frame=$T/update.$1.bin text="container_id { value: \"$1\" }"
  shift
  for resource in "$@"; do text+=" resources { $resource }"; done
  echo "$text" | encode Update >"$frame"
  echo "$frame"
}
cpus() { echo "name: \"cpus\" type: SCALAR scalar { value: $1 }"; }
mem() { echo "name: \"mem\" type: SCALAR scalar { value: $1 }"; }

# Checks of the last call's answer ($T/out, $T/err) gather what is wrong in
# the array `problems`; `verdict` reports them.
# one_line RC WANT TEXT...: the call's exit code RC is 0 (WANT ok) or not
# (WANT fail), stderr is one line holding every TEXT, stdout is empty: the
# shape of every refusal, and of a call that succeeds with a remark.
one_line() {
  local rc=$1 want=$2 text
  shift 2
  problems=()
  if [ "$want" = ok ]; then
    [ "$rc" -eq 0 ] || problems+=("exit code $rc")
  else
    [ "$rc" -ne 0 ] || problems+=("exit code 0")
  fi
  [ "$(wc -l <"$T/err")" -eq 1 ] || problems+=("stderr is not one line")
  for text; do grep -qF -- "$text" "$T/err" || problems+=("stderr lacks: $text"); done
  [ -s "$T/out" ] && problems+=("stdout is not empty ($(wc -c <"$T/out") bytes)")
}
# verdict DESCRIPTION: ok when nothing is wrong, else not_ok with what is.
verdict() {
  if [ ${#problems[@]} -eq 0 ]; then ok "$1"; else not_ok "$1" "${problems[@]}" "stderr: $(cat "$T/err")"; fi
}
# call_refused DESCRIPTION COMMAND FRAME TEXT...: COMMAND fails cleanly.
call_refused() {
  call "$2" "$3"
  one_line $? fail "${@:4}"
  verdict "$1"
}

# update_ignored DESCRIPTION ID: an update of ended container ID succeeds,
# with nothing on stdout and one line on stderr saying it was ignored.
update_ignored() {
  call update "$(update_frame "$2" "$(cpus 1.5)" "$(mem 512)")"
  one_line $? ok "container $2: update ignored"
  verdict "$1"
}

# termination_of ID: runs wait and prints the decoded Termination.
termination_of() {
  call wait "$(frame_for Wait "$1")" && "$DC" decode Termination <"$T/out"
}

# name_of ID: the docker container's name for a Launch without a slave id.
name_of() { echo "mesos-$1"; }

# call_async NAME COMMAND [FRAME_FILE]: like call, but in the background
# (e.g. a wait that should block): stdout and stderr in $T/NAME.out and
# $T/NAME.err, the program's pid in $T/NAME.pid. Collect it with await_call.
call_async() {
  local fifo=$T/stdin.$1
  mkfifo "$fifo"
  { [ -n "${3:-}" ] && cat "$3"; exec sleep 600; } >"$fifo" &
  echo $! >"$T/$1.holder"
  # Inside a subshell with its stderr discarded, so a program killed on
  # purpose (kill -KILL "$(cat "$T/NAME.pid")") brings no "Killed" notice.
  # Its stderr is a pipe, as call's, copied whole before the subshell ends.
  ( exec {errfd}> >(exec cat >"$T/$1.err")
    copier=$!
    "$DC" "$2" <"$fifo" >"$T/$1.out" 2>&$errfd {errfd}>&- &
    echo $! >"$T/$1.pid.tmp" && mv "$T/$1.pid.tmp" "$T/$1.pid"
    exec {errfd}>&-
    wait $!
    rc=$?
    wait "$copier"
    exit $rc ) 2>/dev/null &
  echo $! >"$T/$1.job"
  until [ -f "$T/$1.pid" ]; do sleep 0.01; done
}

# running NAME: the program started by call_async NAME has not exited yet.
running() { kill -0 "$(cat "$T/$1.pid")" 2>/dev/null; }

# The numbers of the syscalls poll and ppoll on this machine's architecture,
# as its C library's headers name them (/proc/PID/syscall gives a number).
POLL_SYSCALLS=$(printf '#include <sys/syscall.h>\nSYS_poll SYS_ppoll\n' | ${CC:-cc} -E -P - 2>/dev/null | tail -n 1)

# blocked NAME: the program started by call_async NAME sleeps in poll() with
# no docker child: a wait watching its container. What a test waits for
# (under `eventually`) before it acts on a blocked wait; no sleep can say it.
blocked() {
  local pid call
  pid=$(cat "$T/$1.pid") || return 1
  call=$(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null)
  case " $POLL_SYSCALLS " in *" ${call:-none} "*) ;; *) return 1 ;; esac
  [ -z "$(cat "/proc/$pid/task/$pid/children" 2>/dev/null)" ]
}

# describe_call NAME: where the program started by call_async NAME is, as
# TAP comments: its syscall, kernel stack and children, and who holds the
# flocks of the state directory, for a call that did not get where a test
# expected (a wait not blocked, or not returning).
describe_call() {
  local pid
  pid=$(cat "$T/$1.pid" 2>/dev/null) || return 0
  {
    echo "call $1 (pid $pid): syscall $(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null), wchan $(cat "/proc/$pid/wchan" 2>/dev/null)"
    cat "/proc/$pid/stack" 2>/dev/null
    for child in $(cat "/proc/$pid/task/"*/children 2>/dev/null); do
      echo "child $child: $(tr '\0' ' ' <"/proc/$child/cmdline" 2>/dev/null)"
    done
    grep FLOCK /proc/locks
    tail -n 5 "$T/$1.err" 2>/dev/null
  } | sed 's/^/#   /'
}

# until_blocked NAME: blocked within 20 s, or described.
until_blocked() { eventually 20 blocked "$1" || { describe_call "$1"; false; }; }

# await_call NAME [SECONDS]: waits up to SECONDS (default 30) for the program
# started by call_async NAME and returns its exit code; 124 (and the program
# killed) when it did not end in time.
await_call() {
  local job deadline=$((SECONDS + ${2:-30})) rc late=0
  job=$(cat "$T/$1.job")
  while kill -0 "$job" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  kill -0 "$job" 2>/dev/null && late=1 && describe_call "$1" && kill -KILL "$(cat "$T/$1.pid")" 2>/dev/null
  wait "$job" 2>/dev/null
  rc=$?
  [ "$late" -eq 1 ] && rc=124
  kill "$(cat "$T/$1.holder")" 2>/dev/null
  wait "$(cat "$T/$1.holder")" 2>/dev/null
  rm -f "$T/stdin.$1"
  return $rc
}

# eventually SECONDS COMMAND... (tests/wait.sh).
source "$DC_ROOT/tests/wait.sh"

# on_exit COMMAND: also runs COMMAND (a shell string) at exit, before the
# standard cleanup, for what the work directory's label does not cover
# (containers of another work directory or of plain `docker run`).
on_exit_commands=()
on_exit() { on_exit_commands+=("$1"); }
trap 'for c in "${on_exit_commands[@]}"; do eval "$c"; done; cleanup' EXIT

# state_is ID STATE: docker's State.Status of ID's container (name_of) is
# STATE (running, exited, ...); re-evaluated on every try under `eventually`.
state_is() { [ "$(docker inspect -f '{{.State.Status}}' "$(name_of "$1")" 2>/dev/null)" = "$2" ]; }

# The state directory the program uses by default for this test's agent.
STATE=$MESOS_WORK_DIRECTORY/docker-containerizer
# Container ids unique to this run (test files run in parallel), and what
# the program derives from them.
cid() { echo "$RUN-$1"; }
name() { name_of "$(cid "$1")"; }
sandbox_of() { echo "$T/sandboxes/$1"; }
record_of() { echo "$STATE/containers/$(cid "$1")"; }

# start NAME COMMAND [EXTRA_EXECUTOR_TEXT] [EXTRA_LAUNCH_TEXT]: launches
# COMMAND (shell) in the test image; reports a failed launch.
start() {
  local sandbox
  sandbox=$(new_sandbox "$1")
  call launch "$(launch_frame "$(cid "$1")" "$sandbox" "$2" "${3:-}" "${4:-}")" && return
  not_ok "launch of $1" "$(cat "$T/err")"
  return 1
}

# exec_frame NAME EXECUTOR_TEXT [LAUNCH_TEXT]: a Launch of container
# $(cid NAME) in a fresh sandbox, with exactly these executor fields.
exec_frame() {
  local file=$T/launch.$1.bin sandbox
  sandbox=$(new_sandbox "$1")
  encode Launch >"$file" <<TEXT
container_id { value: "$(cid "$1")" }
directory: "$sandbox"
executor_info {
  executor_id { value: "executor-$1" }
  framework_id { value: "framework-$RUN" }
  $2
}
${3:-}
TEXT
  echo "$file"
}

# command_task_frame NAME TASK_TEXT EXECUTOR_TEXT [LAUNCH_TEXT]: exec_frame's
# Launch with the task task-NAME of these TaskInfo fields.
command_task_frame() {
  exec_frame "$1" "$3" "task_info { name: \"task-$1\" task_id { value: \"task-$1\" } $2 } ${4:-}"
}

# refused DESCRIPTION EXPECTED_TEXT ID FRAME: launch exits non-zero with one
# line on stderr naming the container and EXPECTED_TEXT, nothing on stdout,
# and leaves no container and no record.
refused() {
  call launch "$4"
  one_line $? fail "container $3" "$2"
  [ -z "$(docker ps -aq --filter "label=docker-containerizer.container-id=$3")" ] ||
    problems+=("a container is left")
  docker inspect --type container "$(name_of "$3")" >/dev/null 2>&1 && problems+=("a container is left")
  [ -e "$STATE/containers/$3" ] && problems+=("a record is left")
  verdict "$1"
}
