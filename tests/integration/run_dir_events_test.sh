#!/usr/bin/env bash
# A task that makes events in its run directory (/mnt/mesos/containerizer,
# which the agent's `wait` watches with inotify) as fast as it can. The wait
# is a root process on the host, outside the container's cgroup: each look
# it takes at the container (the record's flock, record.json, /proc) is host
# CPU that no limit of the task's covers. Only the init's status file is
# news; the task's other files must not wake the wait into a look at all.
# (A security review's finding: on the code before, the wait took ~44% of a
# core while such a task ran.)
source "$(dirname "$0")/lib.sh"

n=spam
sandbox=$(new_sandbox "$n")
# The task starts its burst when the test says so: after the wait is
# watching, under strace.
mkfifo "$sandbox/go"
check "launch a task that writes its run directory 2000 times on a signal" \
  call launch "$(launch_frame "$(cid "$n")" "$sandbox" \
    'head -n 1 /mnt/mesos/sandbox/go >/dev/null; i=0; while [ $i -lt 2000 ]; do : >/mnt/mesos/containerizer/spam; i=$((i + 1)); done; echo spammed; exec sleep 300')"
call_async "$n-wait" wait "$(frame_for Wait "$(cid "$n")")"
check "the wait watches the container" eventually 30 blocked "$n-wait"
: >"$T/strace.err"
strace -f -e trace=flock -p "$(cat "$T/$n-wait.pid")" -o "$T/flocks" 2>"$T/strace.err" &
tracer=$!
check "strace is attached to the wait" eventually 30 grep -q attached "$T/strace.err"
echo go >"$sandbox/go"
check "the task made its 2000 events" eventually 60 grep -q spammed "$sandbox/stdout"
kill "$tracer"
wait "$tracer" 2>/dev/null
equals "the wait took no look at the container for them (flock calls)" 0 "$(grep -c 'flock(' "$T/flocks")"
check "the wait still waits: the container runs" running "$n-wait"
check "destroy returns" call destroy "$(frame_for Destroy "$(cid "$n")")"
check "the wait returns" await_call "$n-wait" 30

finish
