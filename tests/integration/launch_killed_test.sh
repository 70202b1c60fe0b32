#!/usr/bin/env bash
# The program SIGKILLed at random points of a launch, twenty times (as an
# agent's timeout or an OOM kill of the agent's cgroup would): after
# `recover` and `destroy`, as the agent does them, no container, record or
# process of that launch remains.
source "$(dirname "$0")/lib.sh"

# leftovers ID: what remains of ID: its containers, record, processes.
leftovers() {
  local id=$1 found=
  [ -n "$(docker ps -aq --filter "label=docker-containerizer.container-id=$id")" ] && found+=" container"
  [ -e "$STATE/containers/$id" ] && found+=" record"
  pgrep -f -- "$id" >/dev/null && found+=" process"
  echo "$found"
}
clean() { [ -z "$(leftovers "$1")" ]; }

for i in $(seq 1 20); do
  id=$(cid "killed-$i")
  frame=$(launch_frame "$id" "$(new_sandbox "killed-$i")" "sleep 300")
  call_async "launch-$i" launch "$frame"
  # A random point of the launch (it takes 0.1-0.5 s here): fault
  # injection, not synchronisation.
  sleep "0.$(printf '%03d' $((RANDOM % 500)))"
  kill -KILL "$(cat "$T/launch-$i.pid")" 2>/dev/null
  await_call "launch-$i" 10
  call recover || not_ok "recover after kill $i" "$(cat "$T/err")"
  call destroy "$(frame_for Destroy "$id")" || not_ok "destroy after kill $i" "$(cat "$T/err")"
  if eventually 10 clean "$id"; then ok "launch killed at point $i leaves nothing after recover and destroy"
  else not_ok "launch killed at point $i leaves nothing after recover and destroy" "left:$(leftovers "$id")"; fi
done
finish
