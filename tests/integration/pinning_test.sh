#!/usr/bin/env bash
# Files a root process on the host opens where a container can write
# (issues 30 §3, 37 §2, 38): a task, as root and as nobody, in executor,
# host and override mode, tries to replace the sandbox's stdout and stderr
# (pinned: mount points in the container) with a link to a host file of the
# test's own, a FIFO and a directory, and the run directory's status file
# with a FIFO, a link to /dev/zero and a link to a host file; override
# mode's executor-exit.tmp with a link (issue 30's attack). The host file is
# never written; wait and destroy return in bounded time. Where the host
# itself finds SANDBOX/stderr replaced (as through a path pinning does not
# cover), no call writes to the agent's stderr and the hook's output goes
# nowhere; the call's lines go to the state directory's stderr.log.
# Framework strings with newlines and escapes log as one line each.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"

export CONTAINERIZER_REMOVE_DELAY=600
unset CONTAINERIZER_LOG_MAX_SIZE CONTAINERIZER_HOOKS_DIR
# The host file every attack aims at; no container sees it.
HOSTFILE=$T/host-file
echo "the host's own line" >"$HOSTFILE"
chmod 600 "$HOSTFILE"
host_file_intact() { [ "$(cat "$HOSTFILE")" = "the host's own line" ]; }
# A host file that reads as a status file: what a link as `exit` would make
# a follower believe.
FORGED=$T/forged-status
printf 'status 0\noom_kill 0\n' >"$FORGED"

# The task's tries, one line each in the sandbox's `attempts`: WHAT replaced
# or WHAT refused; the link last, so that it stays where one was made. Run as `sh /mnt/mesos/sandbox/attack.sh HOSTFILE`.
ATTACK='cd /mnt/mesos/sandbox
try() { if sh -c "$2" 2>/dev/null; then echo "$1 replaced"; else echo "$1 refused"; fi; }
for n in stdout stderr; do
  try "$n rename" "mv $n $n.moved"
  try "$n fifo" "rm -f $n && mkfifo $n"
  try "$n directory" "rm -f $n && mkdir $n"
  try "$n link" "rm -rf $n && ln -s $1 $n"
done >attempts'
# Run-directory tries: `exit` becomes KIND and exit.tmp a directory, so the
# init cannot write its status over it.
RUN_ATTACK='R=/mnt/mesos/containerizer
case $1 in
  fifo) mkfifo $R/exit ;;
  zero) ln -s /dev/zero $R/exit ;;
  link) ln -s '"$FORGED"' $R/exit ;;
esac
mkdir $R/exit.tmp
echo tried >/mnt/mesos/sandbox/run-attack-done
exit 3'

# sandbox_for NAME USER: a fresh sandbox with the attack scripts, the user's
# as Mesos chowns it.
sandbox_for() {
  local dir
  dir=$(new_sandbox "$1")
  echo "$ATTACK" >"$dir/attack.sh"
  echo "$RUN_ATTACK" >"$dir/run-attack.sh"
  [ "$2" = root ] || chown -R nobody:nogroup "$dir"
  echo "$dir"
}
user_text() { [ "$1" = root ] || echo 'user: "nobody"'; }

# refused_all NAME WHAT: every try in the attempts file was refused.
refused_all() {
  local file
  file=$(sandbox_of "$1")/attempts
  if [ -s "$file" ] && ! grep -v refused "$file" >/dev/null; then ok "$2"; else
    not_ok "$2" "attempts: $(tr '\n' ';' <"$file" 2>/dev/null)"
  fi
}
# logs_regular NAME: the sandbox's stdout and stderr are regular files.
logs_regular() {
  local dir
  dir=$(sandbox_of "$1")
  [ -f "$dir/stdout" ] && [ ! -L "$dir/stdout" ] && [ -f "$dir/stderr" ] && [ ! -L "$dir/stderr" ]
}
# agent_call COMMAND FRAME NAME: COMMAND with stderr opened as the agent
# opens it (SANDBOX/stderr, O_APPEND, following links), within 60 s.
agent_call() {
  timeout 60 "$DC" "$1" <"$2" >"$T/agent-call.out" 2>>"$(sandbox_of "$3")/stderr"
}
ended_in_time() {
  await_call "$1-wait" 60
  local rc=$?
  equals "$2: wait returns in bounded time" 0 "$rc"
}

# --- executor mode: the sandbox's logs ------------------------------------------
for user in root nobody; do
  n=exec-$user
  sandbox=$(sandbox_for "$n" "$user")
  frame=$(launch_frame "$(cid "$n")" "$sandbox" "sh /mnt/mesos/sandbox/attack.sh $HOSTFILE; sleep 300" "" \
    "$(user_text "$user")")
  check "executor mode, $user: launch" call launch "$frame"
  check "executor mode, $user: the task tried" eventually 30 test -s "$sandbox/attempts"
  refused_all "$n" "executor mode, $user: stdout and stderr cannot be replaced (link, FIFO, directory, rename)"
  check "executor mode, $user: stdout and stderr are still the files" logs_regular "$n"
  check "executor mode, $user: an update with the agent's stderr" \
    agent_call update "$(update_frame "$(cid "$n")" "$(cpus 0.6)" "$(mem 64)")" "$n"
  call_async "$n-wait" wait "$(frame_for Wait "$(cid "$n")")"
  check "executor mode, $user: destroy" call destroy "$(frame_for Destroy "$(cid "$n")")"
  ended_in_time "$n" "executor mode, $user"
  check "executor mode, $user: the host file is unchanged" host_file_intact
done

# --- the run directory's status file ------------------------------------------------
LIMITED=$T/limited
# ASan reserves terabytes of address space for its shadow at start: under
# scripts/test --sanitize the limit would stop the program before main.
limit='ulimit -v 4000000'
[ -z "${ASAN_OPTIONS:-}" ] || limit=:
printf '#!/bin/sh\n%s\nexec %s "$@"\n' "$limit" "$DC" >"$LIMITED" && chmod 755 "$LIMITED"
for user in root nobody; do
  for kind in fifo zero link; do
    n=run-$kind-$user
    sandbox=$(sandbox_for "$n" "$user")
    frame=$(launch_frame "$(cid "$n")" "$sandbox" "sh /mnt/mesos/sandbox/run-attack.sh $kind" "" "$(user_text "$user")")
    what="run directory, exit a $kind, as $user"
    check "$what: launch" call launch "$frame"
    check "$what: the task tried" eventually 30 test -s "$sandbox/run-attack-done"
    # Under a memory limit: a reader of /dev/zero fails instead of taking the host's.
    DC=$LIMITED call_async "$n-wait" wait "$(frame_for Wait "$(cid "$n")")"
    ended_in_time "$n" "$what"
    # Docker's own answer (exit 3), never what the task left there.
    equals "$what: the container's real exit" 768 "$("$DC" decode Termination <"$T/$n-wait.out" | sed -n 's/^status: //p')"
    check "$what: destroy" timeout 60 "$DC" destroy <"$(frame_for Destroy "$(cid "$n")")" 2>>"$T/destroy.err"
  done
done

# --- host mode: the task links its stderr, the agent calls ------------------------
for user in root nobody; do
  n=host-$user
  agent "$n"
  [ "$user" = root ] || chown nobody:nogroup "$(new_sandbox "$n")"
  HOST_USER=$user check "host mode, $user: launch" launch_host "$n" \
    "ln -sf $HOSTFILE \$MESOS_SANDBOX/stderr; ln -sf $HOSTFILE \$MESOS_SANDBOX/stdout; echo tried >\$MESOS_SANDBOX/tried; exit 3"
  check "host mode, $user: the task tried" eventually 30 test -s "$(sandbox_of "$n")/tried"
  wait_for "$n"
  ended_in_time "$n" "host mode, $user"
  check "host mode, $user: an update with the agent's stderr" \
    agent_call update "$(update_frame "$(cid "$n")" "$(cpus 0.6)" "$(mem 64)")" "$n"
  check "host mode, $user: stdout and stderr are still the files" logs_regular "$n"
  check "host mode, $user: the host file is unchanged" host_file_intact
  stop_agent "$n"
done

# --- override mode: executor-exit.tmp (issue 30 §3) --------------------------------
export MESOS_LIBEXEC_DIRECTORY=$T/libexec
mkdir -p "$MESOS_LIBEXEC_DIRECTORY"
# The agent's command executor with --override, as 0.20-0.28's: runs what
# follows "--", reaps it, exits 0 (src/launcher/executor.cpp).
cat >"$MESOS_LIBEXEC_DIRECTORY/mesos-executor" <<'EOF'
#!/bin/sh
while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
shift
"$@"
exit 0
EOF
chmod 755 "$MESOS_LIBEXEC_DIRECTORY/mesos-executor"
launch_override() { CONTAINERIZER_TASK_MODE=override call launch "$1"; }
for user in root nobody; do
  n=override-$user
  [ "$user" = root ] || chown nobody:nogroup "$(new_sandbox "$n")"
  frame=$(host_frame "$n" "ln -s $HOSTFILE /mnt/mesos/containerizer/executor-exit.tmp; exit 0" 64)
  "$DC" decode Launch <"$frame" | sed -e "s|/usr/libexec/mesos|$MESOS_LIBEXEC_DIRECTORY|g" \
    -e "s|user: \"root\"|user: \"$user\"|" | encode Launch >"$frame.override"
  check "override mode, $user: launch" launch_override "$frame.override"
  call_async "$n-wait" wait "$(frame_for Wait "$(cid "$n")")"
  ended_in_time "$n" "override mode, $user"
  equals "override mode, $user: the executor's status" 0 "$(status_of "$n")"
  check "override mode, $user: the host file is unchanged" host_file_intact
  check "override mode, $user: destroy" call destroy "$(frame_for Destroy "$(cid "$n")")"
done
unset MESOS_LIBEXEC_DIRECTORY

# --- SANDBOX/stderr replaced where pinning does not reach -----------------------------
# The host replaces it (as a second path to the sandbox would let a task):
# the calls' lines go to the state directory's stderr.log, the hook's
# output nowhere, the host file is not written.
n=guard
printf '#!/bin/sh\necho hook ran\n' >"$T/ended-hook"
mkdir -p "$T/hooks" && mv "$T/ended-hook" "$T/hooks/ended" && chmod 755 "$T/hooks/ended"
check "replaced stderr: launch" start "$n" "sleep 300"
sandbox=$(sandbox_of "$n")
mv "$sandbox/stderr" "$sandbox/stderr.real" && ln -s "$HOSTFILE" "$sandbox/stderr"
check "replaced stderr: an update with the agent's stderr" \
  agent_call update "$(update_frame "$(cid "$n")" "$(cpus 0.6)" "$(mem 64)")" "$n"
check "replaced stderr: an update on a pipe" call update "$(update_frame "$(cid "$n")" "$(cpus 0.7)" "$(mem 64)")"
equals "replaced stderr: nothing on the pipe" "" "$(cat "$T/err")"
check "replaced stderr: destroy, with the ended hook" env CONTAINERIZER_HOOKS_DIR="$T/hooks" \
  timeout 60 "$DC" destroy <"$(frame_for Destroy "$(cid "$n")")" 2>>"$sandbox/stderr"
check "replaced stderr: the host file is unchanged" host_file_intact
contains "replaced stderr: the calls' lines are in the state directory's stderr.log" \
  "docker-containerizer update: " "$(cat "$STATE/stderr.log" 2>/dev/null)"
contains "replaced stderr: the hook's output was discarded, said there" "hook $T/hooks/ended's output is discarded" \
  "$(cat "$STATE/stderr.log" 2>/dev/null)"

# --- framework strings: one line each -----------------------------------------------
# Ids are refused with the id in the line; docker's answer names the image.
n=escape
sandbox=$(new_sandbox "$n")
echo 'container_id { value: "a\nb\033[31m" } directory: "'"$sandbox"'"' | encode Launch >"$T/escape-id.bin"
call launch "$T/escape-id.bin"
one_line $? fail "invalid container id 'a\nb\x1b[31m"
verdict "escapes: a container id with a newline and an escape is one line, written out"
frame=$(exec_frame "$n" 'command { value: "true" } container { type: DOCKER docker { image: "nosuch\n* * * * * root injected" } }')
call launch "$frame"
one_line $? fail '\n* * * * * root injected'
verdict "escapes: an image name with a newline is one line in the refusal"
# Host mode: the executor logs the health check's command (issue 37 §2).
n=check
agent "$n"
HOST_TASK='health_check { delay_seconds: 0 interval_seconds: 1 command { value: "true\n* * * * * root injected\r\302\205x" } }' \
  check "escapes: launch with a hostile health check" launch_host "$n" "sleep 300"
check "escapes: the health check is logged" eventually 30 grep -q "health check" "$(sandbox_of "$n")/stderr"
equals "escapes: no line of the sandbox's stderr starts with the injection" 0 \
  "$(grep -c '^\* \* \* \* \* root injected' "$(sandbox_of "$n")/stderr")"
contains "escapes: the command is written out" 'true\n* * * * * root injected\r\u{0085}x' \
  "$(cat "$(sandbox_of "$n")/stderr")"
check "escapes: destroy" call destroy "$(frame_for Destroy "$(cid "$n")")"
stop_agent "$n"

finish
