#!/usr/bin/env bash
# Hooks (issue 13): CONTAINERIZER_HOOKS_DIR's `launched` runs before launch
# returns, `ended` once per container after its Termination is recorded,
# whichever call records it. Covered: the facts (bridge IP and ports
# included), argv, stdin and output; a failing, a not executable and a
# timed-out `launched` with and without CONTAINERIZER_HOOKS_REQUIRED; a
# failing `ended`; `ended` once with two waits racing, across later calls
# of every command (each a fresh process), and after its caller was killed
# mid-hook (at most once); `ended` from recover; a task id the record
# cannot hold.
source "$(dirname "$0")/lib.sh"

unset MESOS_DEFAULT_CONTAINER_IMAGE CONTAINERIZER_HOOKS_REQUIRED CONTAINERIZER_HOOKS_TIMEOUT
FACTS=$T/facts
mkdir -p "$FACTS"

# write_hook PATH BODY: an sh script.
write_hook() { printf '#!/bin/sh\n%s\n' "$2" >"$1" && chmod 755 "$1"; }
# hooks_dir NAME LAUNCHED_BODY ENDED_BODY: $T/hooks-NAME with those hooks
# ("" leaves one out).
hooks_dir() {
  local dir=$T/hooks-$1
  mkdir -p "$dir"
  [ -z "$2" ] || write_hook "$dir/launched" "$2"
  [ -z "$3" ] || write_hook "$dir/ended" "$3"
  echo "$dir"
}

# A hook that counts its runs and writes what it was given to
# $FACTS/<container id>.<event>, and says hello on stdout and stderr.
RECORD='f='"$FACTS"'/$CONTAINERIZER_HOOK_CONTAINER_ID.$CONTAINERIZER_HOOK_EVENT
echo run >>"$f.count"
{
  env
  echo "argc=$#"
  echo "stdin=$(readlink /proc/self/fd/0)"
  echo "sigpipe=$(sed -n "s/^SigIgn:[[:space:]]*//p" /proc/self/status)"
  grep -q "\"termination\"" "'"$STATE"'/containers/$CONTAINERIZER_HOOK_CONTAINER_ID/record.json" && echo "recorded=yes"
} >"$f.tmp"
mv "$f.tmp" "$f"
echo "hook $CONTAINERIZER_HOOK_EVENT says hello"
echo "hook $CONTAINERIZER_HOOK_EVENT says hello on stderr" >&2'
export CONTAINERIZER_HOOKS_DIR
CONTAINERIZER_HOOKS_DIR=$(hooks_dir record "$RECORD" "$RECORD")

# fact NAME EVENT VARIABLE: what hook EVENT of container $(cid NAME) was told.
fact() { sed -n "s/^CONTAINERIZER_HOOK_$3=//p" "$FACTS/$(cid "$1").$2"; }
runs() { cat "$FACTS/$(cid "$1").$2.count" 2>/dev/null | wc -l; }
# mentions FILE TEXT: how many lines of FILE hold TEXT.
mentions() { grep -cF -- "$2" "$1"; }
gone() { ! kill -0 "$1" 2>/dev/null || grep -q ') Z' "/proc/$1/stat" 2>/dev/null; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'; }

# task_frame NAME EXECUTOR_TEXT: a Launch of task task-NAME with a custom
# executor of exactly these fields.
task_frame() {
  exec_frame "$1" "$2" "task_info { name: \"task-$1\" task_id { value: \"task-$1\" }
    executor { executor_id { value: \"executor-$1\" } } }"
}
# simple_frame NAME COMMAND: a host-network container running COMMAND.
simple_frame() {
  task_frame "$1" "command { value: \"$2\" } container { type: DOCKER docker { image: \"$TEST_IMAGE\" } }"
}

# --- the facts, on a bridge with a port ---------------------------------------
port=$(free_port)
frame=$(task_frame web "command { value: \"sleep 300\" }
  resources { name: \"ports\" type: RANGES ranges { range { begin: $port end: $port } } }
  container { type: DOCKER docker { image: \"$TEST_IMAGE\" network: BRIDGE
    port_mappings { host_port: $port container_port: 80 } } }")
if call launch "$frame"; then ok "a bridged container with a launched hook launches"
else not_ok "a bridged container with a launched hook launches" "$(cat "$T/err")"; fi
check "launched ran before launch returned" test -s "$FACTS/$(cid web).launched"
equals "launched ran once" 1 "$(runs web launched)"
equals "launch logged no failure" 0 "$(mentions "$T/err" failed)"
equals "it is told the event" launched "$(fact web launched EVENT)"
equals "the container id" "$(cid web)" "$(fact web launched CONTAINER_ID)"
equals "the docker name" "$(name web)" "$(fact web launched NAME)"
equals "the docker id" "$(docker inspect -f '{{.Id}}' "$(name web)")" "$(fact web launched DOCKER_ID)"
equals "the image" "$TEST_IMAGE" "$(fact web launched IMAGE)"
equals "the image id" "$(docker image inspect -f '{{.Id}}' "$TEST_IMAGE")" "$(fact web launched IMAGE_ID)"
equals "the framework" "framework-$RUN" "$(fact web launched FRAMEWORK_ID)"
equals "the executor" "executor-web" "$(fact web launched EXECUTOR_ID)"
equals "the task" "task-web" "$(fact web launched TASK_ID)"
equals "the sandbox" "$(sandbox_of web)" "$(fact web launched SANDBOX)"
equals "the network mode" bridge "$(fact web launched NETWORK)"
ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(name web)")
check "the container has an address on the bridge" test -n "$ip"
equals "the container's IP address" "$ip" "$(fact web launched IP)"
equals "the port mapping" "$port->80/tcp" "$(fact web launched PORTS)"
equals "argv is its path only" "argc=0" "$(grep '^argc=' "$FACTS/$(cid web).launched")"
equals "stdin is /dev/null" "stdin=/dev/null" "$(grep '^stdin=' "$FACTS/$(cid web).launched")"
equals "no signal ignored (this program ignores SIGPIPE)" "sigpipe=0000000000000000" \
  "$(grep '^sigpipe=' "$FACTS/$(cid web).launched")"
check "PATH is set" grep -q '^PATH=/' "$FACTS/$(cid web).launched"
equals "nothing else of the agent's environment" "" "$(grep -E '^(MESOS_|LIBPROCESS_)' "$FACTS/$(cid web).launched")"
check "its stdout goes to the sandbox's stderr" grep -qx "hook launched says hello" "$(sandbox_of web)/stderr"
check "its stderr too" grep -qx "hook launched says hello on stderr" "$(sandbox_of web)/stderr"
equals "none of it to the call's stdout" 0 "$(wc -c <"$T/out")"

check "destroy" call destroy "$(frame_for Destroy "$(cid web)")"
equals "ended ran once" 1 "$(runs web ended)"
equals "after the Termination was recorded" "recorded=yes" "$(grep '^recorded=' "$FACTS/$(cid web).ended")"
equals "ended is told the event" ended "$(fact web ended EVENT)"
equals "that a destroy killed it" true "$(fact web ended KILLED)"
equals "the status (SIGTERM)" 15 "$(fact web ended STATUS)"
contains "the message" "Container destroyed" "$(fact web ended MESSAGE)"
equals "the address it had" "$ip" "$(fact web ended IP)"
equals "the port mapping it had" "$port->80/tcp" "$(fact web ended PORTS)"
equals "the task" "task-web" "$(fact web ended TASK_ID)"
check "the container is gone" test -z "$(docker ps -aq --filter "name=^$(name web)\$")"

# --- ended once: two waits racing, then every command, each a fresh process ----
frame=$(simple_frame once "read line <go; exit 3")
mkfifo "$(sandbox_of once)/go"
check "launch a container that ends when told" call launch "$frame"
call_async w1 wait "$(frame_for Wait "$(cid once)")"
call_async w2 wait "$(frame_for Wait "$(cid once)")"
check "two waits block on it" until_blocked w1
check "both" until_blocked w2
check "the container is told to end" timeout 10 sh -c "echo >'$(sandbox_of once)/go'"
check "the first wait returns" await_call w1
check "the second wait returns" await_call w2
equals "both report the same end" "$("$DC" decode Termination <"$T/w1.out")" "$("$DC" decode Termination <"$T/w2.out")"
equals "ended ran once for the two" 1 "$(runs once ended)"
equals "it is told the exit status (waitpid form)" 768 "$(fact once ended STATUS)"
equals "the exit code" 3 "$(fact once ended EXIT_CODE)"
equals "not killed" false "$(fact once ended KILLED)"
equals "the message" "Container exited with status 3" "$(fact once ended MESSAGE)"
equals "the network" host "$(fact once ended NETWORK)"
equals "no address on the host network" "" "$(fact once ended IP)"
check "containers" call containers
check "recover" call recover
call usage "$(frame_for Usage "$(cid once)")"
contains "usage says it has ended" "has ended" "$(cat "$T/err")"
contains "wait again" "status: 768" "$(termination_of "$(cid once)")"
check "destroy" call destroy "$(frame_for Destroy "$(cid once)")"
equals "ended still ran only once" 1 "$(runs once ended)"
equals "and launched once" 1 "$(runs once launched)"

# --- ended after its caller was killed mid-hook: never again -------------------
crash_hooks=$(hooks_dir crash "" 'echo run >>"'"$FACTS"'/crash.count"
echo $$ >"'"$FACTS"'/crash.pid.tmp" && mv "'"$FACTS"'/crash.pid.tmp" "'"$FACTS"'/crash.pid"
exec sleep 1000')
frame=$(simple_frame crash "exit 4")
CONTAINERIZER_HOOKS_DIR=$crash_hooks check "launch a container that ends at once" call launch "$frame"
CONTAINERIZER_HOOKS_DIR=$crash_hooks CONTAINERIZER_HOOKS_TIMEOUT=300 call_async crash wait "$(frame_for Wait "$(cid crash)")"
check "the wait runs the ended hook" eventually 30 test -s "$FACTS/crash.pid"
hook_pid=$(cat "$FACTS/crash.pid")
kill -KILL "$(cat "$T/crash.pid")"
await_call crash
check "the hook dies with the wait that ran it" eventually 20 gone "$hook_pid"
CONTAINERIZER_HOOKS_DIR=$crash_hooks CONTAINERIZER_HOOKS_TIMEOUT=300 call wait "$(frame_for Wait "$(cid crash)")"
equals "a fresh wait reports the recorded end" "status: 1024" "$("$DC" decode Termination <"$T/out" | grep '^status')"
CONTAINERIZER_HOOKS_DIR=$crash_hooks check "recover" call recover
equals "and runs no second ended" 1 "$(wc -l <"$FACTS/crash.count")"
CONTAINERIZER_HOOKS_DIR=$crash_hooks check "destroy" call destroy "$(frame_for Destroy "$(cid crash)")"
equals "nor does destroy" 1 "$(wc -l <"$FACTS/crash.count")"

# --- no call waits behind a running ended hook -----------------------------------
# The saved Termination is the hook's claim; the hook runs once the record's
# lock is let go, so that usage, destroy and other waits on the container
# answer meanwhile (not after up to CONTAINERIZER_HOOKS_TIMEOUT).
gate_hooks=$(hooks_dir gate "" 'touch "'"$FACTS"'/gate.started"
while [ ! -e "'"$FACTS"'/gate.go" ]; do sleep 0.1; done
echo run >>"'"$FACTS"'/gate.count"')
gated() { CONTAINERIZER_HOOKS_DIR=$gate_hooks CONTAINERIZER_HOOKS_TIMEOUT=600 "$@"; }
gated check "launch a container that ends at once" call launch "$(simple_frame gate "exit 6")"
gated call_async gate-wait wait "$(frame_for Wait "$(cid gate)")"
check "a wait runs the ended hook, which holds on" eventually 30 test -e "$FACTS/gate.started"
gated call_async gate-other wait "$(frame_for Wait "$(cid gate)")"
check "meanwhile another wait answers" await_call gate-other 20
contains "with the recorded end" "status: 1536" "$("$DC" decode Termination <"$T/gate-other.out")"
gated call_async gate-usage usage "$(frame_for Usage "$(cid gate)")"
await_call gate-usage 20
contains "usage answers too: the container has ended" "has ended" "$(cat "$T/gate-usage.err")"
gated call_async gate-destroy destroy "$(frame_for Destroy "$(cid gate)")"
check "and destroy finishes" await_call gate-destroy 20
check "all while the hook still runs" test ! -e "$FACTS/gate.count"
touch "$FACTS/gate.go"
check "the wait returns once its hook has ended" await_call gate-wait 30
contains "with the same end" "status: 1536" "$("$DC" decode Termination <"$T/gate-wait.out")"
equals "the hook ran once" 1 "$(wc -l <"$FACTS/gate.count")"

# --- ended from recover, for an end no one waited for ---------------------------
check "launch a container no one waits for" call launch "$(simple_frame unwaited "exit 0")"
check "it exits" eventually 30 state_is "$(cid unwaited)" exited
check "recover" call recover
equals "recover ran ended" 1 "$(runs unwaited ended)"
equals "with its exit status" 0 "$(fact unwaited ended STATUS)"
contains "a later wait reports it" "status: 0" "$(termination_of "$(cid unwaited)")"
equals "and runs no second ended" 1 "$(runs unwaited ended)"

# --- failures --------------------------------------------------------------------
fail_hooks=$(hooks_dir fail 'echo "launched failing" >&2; exit 3' 'exit 5')
CONTAINERIZER_HOOKS_DIR=$fail_hooks check "a failing launched hook: launch still succeeds" \
  call launch "$(simple_frame failing "sleep 300")"
equals "one line says so" 1 "$(mentions "$T/err" "hook $fail_hooks/launched failed: it exited with status 3; the launch goes on")"
check "the container runs" state_is "$(cid failing)" running
check "the hook's output is in the sandbox's stderr" grep -qx "launched failing" "$(sandbox_of failing)/stderr"
CONTAINERIZER_HOOKS_DIR=$fail_hooks check "a failing ended hook: destroy still succeeds" \
  call destroy "$(frame_for Destroy "$(cid failing)")"
equals "one line says so" 1 "$(mentions "$T/err" "hook $fail_hooks/ended failed: it exited with status 5")"

CONTAINERIZER_HOOKS_DIR=$fail_hooks CONTAINERIZER_HOOKS_REQUIRED=true refused \
  "a failing required launched hook fails the launch and leaves nothing" \
  "hook $fail_hooks/launched failed: it exited with status 3; the container is removed (CONTAINERIZER_HOOKS_REQUIRED)" \
  "$(cid required)" "$(simple_frame required "sleep 300")"

# Whatever ends a launch once its record exists, the record goes: here the
# `launched` hook leaves the launch no free descriptor (its limit below what
# it holds), so saving the record fails, and so does removing the container
# (docker cannot be spawned: a pipe error, not the program's own kind).
# Not under scripts/test --sanitize: the sanitizers' runtime needs
# descriptors of its own (UBSan's check of an object's type opens a pipe),
# and starved it reports an "invalid vptr" that is not there.
if [ -n "${ASAN_OPTIONS:-}" ]; then
  ok "a launch starved of descriptors # SKIP the sanitizers need descriptors of their own"
else
  starve_hooks=$(hooks_dir starve 'prlimit --pid "$PPID" --nofile=3:3' "")
  CONTAINERIZER_HOOKS_DIR=$starve_hooks call launch "$(simple_frame starved "sleep 300")"
  check "a launch starved of descriptors fails" test $? -ne 0
  equals "one line says why, and that removing the container failed too" 1 \
    "$(mentions "$T/err" "container $(cid starved): cannot write")"
  contains "naming both failures" "Too many open files; removing $(name starved) failed too" "$(cat "$T/err")"
  check "no record is left" test ! -e "$STATE/containers/$(cid starved)"
  check "destroy removes the container it could not" call destroy "$(frame_for Destroy "$(cid starved)")"
  check "so nothing is left" test -z "$(docker ps -aq --filter "label=docker-containerizer.container-id=$(cid starved)")"
fi

noexec_hooks=$(hooks_dir noexec "exit 0" "")
chmod 644 "$noexec_hooks/launched"
CONTAINERIZER_HOOKS_DIR=$noexec_hooks check "a launched hook that is not executable: launch succeeds" \
  call launch "$(simple_frame noexec "sleep 300")"
equals "one line says so" 1 "$(mentions "$T/err" "hook $noexec_hooks/launched is not an executable file")"
CONTAINERIZER_HOOKS_DIR=$noexec_hooks CONTAINERIZER_HOOKS_REQUIRED=true refused \
  "a required one that is not executable fails the launch" "hook $noexec_hooks/launched is not an executable file" \
  "$(cid noexec-required)" "$(simple_frame noexec-required "sleep 300")"

shebang_hooks=$(hooks_dir shebang "" "")
printf '#!/nonexistent/sh\nexit 0\n' >"$shebang_hooks/launched" && chmod 755 "$shebang_hooks/launched"
CONTAINERIZER_HOOKS_DIR=$shebang_hooks check "a launched hook whose interpreter is missing: launch succeeds" \
  call launch "$(simple_frame shebang "sleep 300")"
equals "one line says so" 1 \
  "$(mentions "$T/err" "cannot execute $shebang_hooks/launched: No such file or directory; the launch goes on")"

CONTAINERIZER_HOOKS_DIR=$T/absent check "a hooks directory that does not exist: launch succeeds" \
  call launch "$(simple_frame absent "sleep 300")"
equals "one line says so" 1 "$(mentions "$T/err" "hook $T/absent/launched cannot be used: No such file or directory (CONTAINERIZER_HOOKS_DIR)")"
CONTAINERIZER_HOOKS_DIR=$(hooks_dir empty "" "") check "a hooks directory without hooks: launch succeeds" \
  call launch "$(simple_frame empty "sleep 300")"
equals "and says nothing of hooks" 0 "$(mentions "$T/err" hook)"

# --- the time limit --------------------------------------------------------------
slow_hooks=$(hooks_dir slow 'sleep 1000 &
echo $! >"'"$FACTS"'/slow.child"
echo $$ >"'"$FACTS"'/slow.leader"
wait' "")
CONTAINERIZER_HOOKS_DIR=$slow_hooks CONTAINERIZER_HOOKS_TIMEOUT=3 check \
  "a launched hook past the time limit: launch succeeds" call launch "$(simple_frame slow "sleep 300")"
equals "one line says so" 1 \
  "$(mentions "$T/err" "hook $slow_hooks/launched did not finish within 3 s and was killed (CONTAINERIZER_HOOKS_TIMEOUT)")"
check "the hook was killed" gone "$(cat "$FACTS/slow.leader")"
check "with its process group" eventually 20 gone "$(cat "$FACTS/slow.child")"
CONTAINERIZER_HOOKS_DIR=$slow_hooks CONTAINERIZER_HOOKS_TIMEOUT=1 CONTAINERIZER_HOOKS_REQUIRED=true refused \
  "a required one past the time limit fails the launch" "did not finish within 1 s and was killed" \
  "$(cid slow-required)" "$(simple_frame slow-required "sleep 300")"

# --- the record keeps the task id for the hooks; JSON holds only UTF-8 --------------
encode Launch >"$T/task-id-bytes.bin" <<TEXT
container_id { value: "$(cid task-id-bytes)" }
directory: "$(new_sandbox task-id-bytes)"
task_info { name: "t" task_id { value: "caf\351" } executor { executor_id { value: "e" } } }
executor_info {
  executor_id { value: "e" }
  command { value: "exit 0" }
  container { type: DOCKER docker { image: "$TEST_IMAGE" } }
}
TEXT
refused "a task id that is not UTF-8 is refused, leaving nothing" "not valid UTF-8" "$(cid task-id-bytes)" \
  "$T/task-id-bytes.bin"

# --- settings --------------------------------------------------------------------
CONTAINERIZER_HOOKS_DIR=relative call containers
contains "a relative hooks directory is refused" "CONTAINERIZER_HOOKS_DIR must be an absolute path" "$(cat "$T/err")"
CONTAINERIZER_HOOKS_TIMEOUT=0 call containers
contains "a time limit of 0 is refused" "CONTAINERIZER_HOOKS_TIMEOUT must be positive" "$(cat "$T/err")"
finish
