#!/usr/bin/env bash
# Host mode: a command task's command runs in a plain image, this program's
# own executor runs on the host and speaks the v1 executor API to a stand-in
# agent (agent_standin.py, one per task, on 127.0.0.1), which logs every call
# it receives. Covered: finished, failed with status, killed with the kill
# policy's grace, SHUTDOWN, OOM, an agent restart with checkpointing (updates
# resent, task goes on), the agent gone for good (with and without
# checkpointing), usage/update/containers/recover/destroy of a host-mode
# container, and the real 0.28.2 and 1.0.1 agents' command-task frames in
# auto mode (the default picks host mode for them: MESOS_AGENT_ENDPOINT).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"

# --- a task that exits 0 ----------------------------------------------------
n=finished-$RUN
agent "$n"
check "host mode: launch a task that exits 0" launch_host "$n" "echo hello from task"
wait_for "$n"
check "wait returns once the executor is done" await_call "$n-wait" 60
equals "wait reports the container's exit 0" 0 "$(status_of "$n")"
log=$(agent_log "$n")
contains "the executor subscribed with nothing unacknowledged" "SUBSCRIBE updates= tasks=" "$log"
contains "TASK_RUNNING from SOURCE_EXECUTOR with a 16-byte uuid" \
  "UPDATE TASK_RUNNING source=SOURCE_EXECUTOR uuid_bytes=16" "$log"
contains "then TASK_FINISHED" "UPDATE TASK_FINISHED source=SOURCE_EXECUTOR uuid_bytes=16 message=Command exited with status 0" "$log"
check "the agent refused no call" no_refusal "$n"
check "the task's command ran in the container" grep -q "hello from task" "$(sandbox_of "$n")/stdout"
check "the executor logs to the sandbox's stderr" \
  grep -q "docker-containerizer executor: info: container $(cid "$n"): subscribed" "$(sandbox_of "$n")/stderr"
check "the executor has exited" test -z "$(executor_pid "$n")"
stop_agent "$n"

# --- a task that exits 3 ----------------------------------------------------
n=failed-$RUN
agent "$n"
check "host mode: launch a task that exits 3" launch_host "$n" "exit 3"
wait_for "$n"
check "wait returns" await_call "$n-wait" 60
equals "wait reports exit 3 (768)" 768 "$(status_of "$n")"
contains "TASK_FAILED with the command's status" "UPDATE TASK_FAILED source=SOURCE_EXECUTOR uuid_bytes=16 message=Command exited with status 3" "$(agent_log "$n")"
stop_agent "$n"

# --- KILL with the task's kill policy ----------------------------------------
n=killed-$RUN
agent "$n" --kill-policy-ns 20000000000
check "host mode: launch a task that handles SIGTERM" \
  launch_host "$n" "trap 'echo got TERM; exit 143' TERM; echo ready; while true; do sleep 0.1; done"
check "it runs" eventually 30 agent_saw "$n" "UPDATE TASK_RUNNING"
check "and is ready" eventually 30 grep -q ready "$(sandbox_of "$n")/stdout"
wait_for "$n"
signal_agent "$n" USR1
check "wait returns after the KILL" await_call "$n-wait" 60
contains "TASK_KILLED" "UPDATE TASK_KILLED source=SOURCE_EXECUTOR uuid_bytes=16 message=Command exited with status 143" "$(agent_log "$n")"
check "the task got SIGTERM and its grace period" grep -q "got TERM" "$(sandbox_of "$n")/stdout"
check "the grace period is the kill policy's" \
  grep -q "KILL: stopping the container with a grace period of 20 s" "$(sandbox_of "$n")/stderr"
stop_agent "$n"

# --- SHUTDOWN -----------------------------------------------------------------
n=shutdown-$RUN
long_task "$n" "host mode, SHUTDOWN"
wait_for "$n"
signal_agent "$n" USR2
check "wait returns after SHUTDOWN" await_call "$n-wait" 60
contains "TASK_KILLED" "UPDATE TASK_KILLED" "$(agent_log "$n")"
check "the grace period is the shutdown grace period less 2 s" \
  grep -q "SHUTDOWN: stopping the container with a grace period of 3 s" "$(sandbox_of "$n")/stderr"
stop_agent "$n"

# --- OOM ------------------------------------------------------------------------
n=oom-$RUN
agent "$n"
check "host mode: launch a 32 MiB task that allocates more" launch_host "$n" 'x=a; while true; do x=$x$x; done' 32
wait_for "$n"
check "wait returns" await_call "$n-wait" 60
log=$(agent_log "$n")
contains "TASK_FAILED for the memory limit" \
  "UPDATE TASK_FAILED source=SOURCE_EXECUTOR uuid_bytes=16 reason=REASON_CONTAINER_LIMITATION_MEMORY message=Memory limit exceeded: limit 32 MiB" "$log"
contains "wait says so too" "REASON_CONTAINER_LIMITATION_MEMORY" "$("$DC" decode Termination <"$T/$n-wait.out")"
stop_agent "$n"

# --- agent restart with checkpointing; the protocol commands meanwhile ------------
n=restart-$RUN
agent "$n" --no-ack
check "host mode, checkpointing: launch a task that waits for a file" \
  launch_host "$n" 'while [ ! -e release ]; do sleep 0.1; done; echo released' 64 \
  MESOS_CHECKPOINT=1 MESOS_RECOVERY_TIMEOUT=60secs
check "it runs (TASK_RUNNING not acknowledged)" eventually 30 agent_saw "$n" "UPDATE TASK_RUNNING"
check "usage of a host-mode container" call usage "$(frame_for Usage "$(cid "$n")")"
contains "reports its memory limit" "mem_limit_bytes: 67108864" "$("$DC" decode ResourceStatistics <"$T/out")"
echo "container_id { value: \"$(cid "$n")\" } resources { name: \"mem\" type: SCALAR scalar { value: 96 } }" |
  encode Update >"$T/update.bin"
check "update of a host-mode container" call update "$T/update.bin"
equals "docker has the new limit" 100663296 "$(docker inspect -f '{{.HostConfig.Memory}}' "$(name "$n")")"
check "containers lists it" call containers
contains "by its id" "$(cid "$n")" "$("$DC" decode Containers <"$T/out")"
port=$(cat "$T/$n.port")
stop_agent "$n"
check "recover after the agent's restart" call recover
check "containers still lists it" call containers
contains "by its id" "$(cid "$n")" "$("$DC" decode Containers <"$T/out")"
mv "$T/$n.agent.log" "$T/$n.agent.log.1"
agent "$n" --port "$port" --recovered
check "the executor resubscribes with the unacknowledged TASK_RUNNING and the task" \
  eventually 30 agent_saw "$n" "SUBSCRIBE updates=TASK_RUNNING tasks=task-$n"
check "the restarted agent re-handles the resent update" eventually 10 agent_saw "$n" "RESENT TASK_RUNNING"
check "the container kept running" state_is "$(cid "$n")" running
wait_for "$n"
touch "$(sandbox_of "$n")/release"
check "the task goes on and finishes" eventually 30 agent_saw "$n" "UPDATE TASK_FINISHED"
check "wait returns" await_call "$n-wait" 60
equals "with exit 0" 0 "$(status_of "$n")"
check "the restarted agent refused no call" no_refusal "$n"
stop_agent "$n"

# --- the agent gone for good ----------------------------------------------------------
for checkpoint in 1 0; do
  n=gone-$checkpoint-$RUN
  long_task "$n" "host mode, checkpoint=$checkpoint" MESOS_CHECKPOINT=$checkpoint MESOS_RECOVERY_TIMEOUT=2secs
  wait_for "$n"
  stop_agent "$n"
  check "checkpoint=$checkpoint: the executor stops the container and wait returns" await_call "$n-wait" 60
  if [ "$checkpoint" = 1 ]; then why="did not come back within MESOS_RECOVERY_TIMEOUT"; else why="does not checkpoint"; fi
  check "saying why" grep -q "$why" "$(sandbox_of "$n")/stderr"
done

# --- an agent that refuses the executor ------------------------------------------------------
n=refused-$RUN
agent "$n"
check "host mode: launch a task of a framework the agent does not know" \
  launch_host "$n" "sleep 300" 64 MESOS_FRAMEWORK_ID=unknown-$RUN
wait_for "$n"
check "the executor stops the container and wait returns" await_call "$n-wait" 60
check "its log line gives the agent's answer" \
  grep -q "SUBSCRIBE refused: 400 Bad Request: Framework cannot be found" "$(sandbox_of "$n")/stderr"
stop_agent "$n"

# --- destroy stops the executor and the container --------------------------------------
n=destroy-$RUN
long_task "$n" "host mode, destroy"
pid=$(executor_pid "$n")
check "its executor runs on the host" test -n "$pid"
check "destroy" call destroy "$(frame_for Destroy "$(cid "$n")")"
check "the executor is gone" eventually 10 bash -c "! kill -0 $pid 2>/dev/null"
check "the container is gone" bash -c "! docker inspect '$(name "$n")' >/dev/null 2>&1"
stop_agent "$n"

# --- the real agents' command-task frames, in auto mode ------------------------------------
# fixture_in_auto VERSION CONTAINER FRAMEWORK TASK OUTPUT: the frame recorded
# from that agent (its executor id is the task id), in the test image, with
# the default task mode and the executor environment that agent gives launch.
fixture_in_auto() {
  local n=auto-$1-$RUN
  agent_for "$n" "$3" "$4" "$4"
  "$DC" decode Launch <"$DC_ROOT/tests/fixtures/launch-mesos-$1-command-task.bin" |
    sed -e "s|^directory: .*|directory: \"$(new_sandbox "$n")\"|" \
      -e "s|$2|$(cid "$n")|" \
      -e "s|library/busybox:1.36|$TEST_IMAGE|" | encode Launch >"$T/$n.bin"
  check "$1 frame, auto mode: launches on a plain busybox image" \
    with_executor_env "$n" CONTAINERIZER_TASK_MODE=auto MESOS_FRAMEWORK_ID="$3" MESOS_EXECUTOR_ID="$4" \
    call launch "$T/$n.bin"
  wait_for "$n"
  check "$1 frame: wait returns" await_call "$n-wait" 60
  check "$1 frame: this program's executor ran for it" \
    grep -q "docker-containerizer executor: info: container $(cid "$n"): subscribed" "$(sandbox_of "$n")/stderr"
  equals "$1 frame: with the task's exit 3" 768 "$(status_of "$n")"
  contains "$1 frame: the agent saw TASK_RUNNING" "UPDATE TASK_RUNNING" "$(agent_log "$n")"
  contains "$1 frame: then TASK_FAILED" \
    "UPDATE TASK_FAILED source=SOURCE_EXECUTOR uuid_bytes=16 message=Command exited with status 3" "$(agent_log "$n")"
  check "$1 frame: the task's output is in the sandbox" grep -q "$5" "$(sandbox_of "$n")/stdout"
  stop_agent "$n"
}
fixture_in_auto 0.28.2 ccb8d17f-579d-4c29-ae24-f43bda6db5d2 58890ba6-7a45-4cbd-8aeb-ea2f1f4c2fc0-0001 rt-fail real-agent-fail
fixture_in_auto 1.0.1 739d0e80-66a3-4cf4-98ea-d0fad73c2a29 dce23285-dc9c-40e6-b249-56f6c21562b5-0004 web-1 "hello from task"
finish
