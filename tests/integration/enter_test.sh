#!/usr/bin/env bash
# `docker-containerizer enter ID [--env NAME=VALUE]... -- COMMAND` (issue 30
# §1): the container's own init runs the command, so it has exactly the
# container's confinement, for a task of root and one of nobody: the
# capability sets, seccomp and no_new_privs of /proc/self/status equal the
# init's and `docker exec`'s, a mount is refused, and a /bin/sh the task
# replaced runs with no more. A task that puts a link, a FIFO or a file at
# the check channel's name gets a refusal in bounded time, and nothing is
# followed. The command's output and exit code are enter's, --env wins over
# the container's environment, and a killed enter kills the command.
source "$(dirname "$0")/lib.sh"

FIELDS='^(CapEff|CapBnd|CapPrm|CapAmb|Seccomp|NoNewPrivs):'
CHANNEL=/mnt/mesos/containerizer/checks.sock
# as_task NAME COMMAND...: docker exec, as the task's user (the container's),
# in / (a mount over /mnt would hide the working directory).
as_task() { local n=$1; shift; docker exec -w / "$(name "$n")" "$@"; }
# enter NAME [ARGS...]: enter, bounded (a hang is a failure, not a stall).
enter() { local n=$1; shift; timeout 60 "$DC" enter "$(cid "$n")" "$@"; }
# sleeping MARK N: N processes on the host run `sleep MARK`.
sleeping() { [ "$(pgrep -fxc "sleep $1")" -eq "$2" ]; }

for user in root nobody; do
  n=$user
  start "$n" 'sleep 300' '' "user: \"$user\"" || continue
  init=$(as_task "$n" grep -E "$FIELDS" /proc/1/status)
  equals "$user: the init's six fields are read" 6 "$(echo "$init" | wc -l)"
  equals "$user: enter's capabilities, seccomp and no_new_privs are the init's" \
    "$init" "$(enter "$n" -- grep -E "$FIELDS" /proc/self/status)"
  equals "$user: and docker exec's" "$(as_task "$n" grep -E "$FIELDS" /proc/self/status)" \
    "$(enter "$n" -- grep -E "$FIELDS" /proc/self/status)"
  enter "$n" -- busybox mount -t tmpfs none /mnt 2>/dev/null
  check "$user: a mount in the container is refused" test "$?" -ne 0
  check "$user: nothing was mounted" bash -c "! docker exec $(name "$n") grep -q ' /mnt ' /proc/mounts"

  # Whatever the task leaves at the channel's name: refused, never followed.
  for planted in link fifo file; do
    case $planted in
      link) as_task "$n" busybox ln -sf /var/run/docker.sock "$CHANNEL" ;;
      fifo) as_task "$n" busybox rm -f "$CHANNEL" && as_task "$n" busybox mkfifo "$CHANNEL" ;;
      file) as_task "$n" busybox rm -f "$CHANNEL" && as_task "$n" busybox touch "$CHANNEL" ;;
    esac
    out=$(enter "$n" -- true 2>&1)
    code=$?
    contains "$user: a $planted at the channel's name is refused in one line" \
      "container $(cid "$n"): the check channel $(record_of "$n")/run/checks.sock is not a socket (the task replaced it): refused" \
      "$out"
    equals "$user: and enter fails at once (not after the 60 s bound: 124)" 1 "$code"
  done
  as_task "$n" busybox rm -f "$CHANNEL"
  equals "$user: with no channel at all, docker exec runs it, as the task's user" "$(id -u "$user")" \
    "$(enter "$n" -- id -u)"
done

# --- a root task replaces /bin/sh, then waits for the next shell command ------------------------
n=planted-sh
start "$n" 'sleep 300' || true
docker exec -i "$(name "$n")" busybox sh -c 'busybox rm /bin/sh; busybox cat >/bin/sh; busybox chmod 755 /bin/sh' <<SCRIPT
#!/bin/busybox sh
busybox grep -E '$FIELDS' /proc/self/status >/tmp/planted
busybox mount -t tmpfs none /mnt && echo mounted >>/tmp/planted
SCRIPT
init=$(as_task "$n" grep -E "$FIELDS" /proc/1/status)
enter "$n" -- sh -c true >/dev/null 2>&1
equals "the task's /bin/sh ran with the init's confinement, and its mount failed" \
  "$init" "$(as_task "$n" cat /tmp/planted)"

# --- output, exit code, --env, a killed enter ---------------------------------------------------------
n=io
start "$n" 'sleep 300' '' 'user: "root"' || true
equals "the command's stdout is enter's" out "$(enter "$n" -- sh -c 'echo out; echo err >&2' 2>/dev/null)"
equals "its stderr is enter's" err "$(enter "$n" -- sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)"
enter "$n" -- sh -c 'exit 7'
equals "enter exits with the command's exit code" 7 "$?"
equals "--env adds variables, over the container's; the rest is the container's" \
  "hi /here /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  "$(enter "$n" --env GREETING=hi --env HOME=/here -- sh -c 'echo $GREETING $HOME $PATH')"
contains "--env takes NAME=VALUE only" "--env =x: not NAME=VALUE" "$(enter "$n" --env =x -- true 2>&1)"
for signal in TERM KILL; do
  mark=$((5000 + RANDOM % 5000))
  "$DC" enter "$(cid "$n")" -- sh -c "sleep $mark & sleep $mark" &
  entered=$!
  check "SIG$signal: the command runs" eventually 30 sleeping "$mark" 2
  kill "-$signal" "$entered"
  wait "$entered" 2>/dev/null
  check "SIG$signal to enter kills the command and its child in the container" \
    eventually 30 sleeping "$mark" 0
done
finish
