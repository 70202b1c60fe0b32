#!/usr/bin/env bash
# Host mode for long-running services (issue 21), against the stand-in agent:
# TASK_KILLING before the kill for a framework with the TASK_KILLING_STATE
# capability (and not without it), on KILL and SHUTDOWN; the container's
# network in TASK_RUNNING: the IP in container_status.network_infos (the
# task's own NetworkInfo copied) and docker inspect's JSON in `data`, on the
# default bridge and on a user network; on host networking no network info
# (the agent fills in its own). No traffic is sent to any container address.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"

# line_of NAME PATTERN: the number of the first line of NAME's agent log matching PATTERN.
line_of() { grep -n -m1 -- "$2" "$T/$1.agent.log" | cut -d: -f1; }

# --- TASK_KILLING ----------------------------------------------------------------
for capable in yes no; do
  n=killing-$capable-$RUN
  if [ "$capable" = yes ]; then flags=(--task-killing); else flags=(); fi
  agent "$n" "${flags[@]}"
  check "capability $capable: launch a long task" launch_host "$n" "sleep 300"
  check "capability $capable: it runs" eventually 30 agent_saw "$n" "UPDATE TASK_RUNNING"
  wait_for "$n"
  signal_agent "$n" USR1
  check "capability $capable: wait returns after the KILL" await_call "$n-wait" 60
  check "capability $capable: TASK_KILLED" agent_saw "$n" "UPDATE TASK_KILLED"
  if [ "$capable" = yes ]; then
    check "with the capability: TASK_KILLING" agent_saw "$n" "UPDATE TASK_KILLING source=SOURCE_EXECUTOR uuid_bytes=16 task=task-$n"
    check "after TASK_RUNNING, before TASK_KILLED" \
      test "$(line_of "$n" "UPDATE TASK_RUNNING")" -lt "$(line_of "$n" "UPDATE TASK_KILLING")" -a \
      "$(line_of "$n" "UPDATE TASK_KILLING")" -lt "$(line_of "$n" "UPDATE TASK_KILLED")"
    contains "the Termination carries TASK_KILLED, not TASK_KILLING" "state: TASK_KILLED" \
      "$("$DC" decode Termination <"$T/$n-wait.out")"
  else
    check "without it: no TASK_KILLING" bash -c "! grep -q TASK_KILLING '$T/$n.agent.log'"
  fi
  check "capability $capable: the agent refused no call" no_refusal "$n"
  stop_agent "$n"
done

n=killing-shutdown-$RUN
agent "$n" --task-killing
check "SHUTDOWN, with the capability: launch a long task" launch_host "$n" "sleep 300"
check "it runs" eventually 30 agent_saw "$n" "UPDATE TASK_RUNNING"
wait_for "$n"
signal_agent "$n" USR2
check "wait returns after the SHUTDOWN" await_call "$n-wait" 60
check "TASK_KILLING before TASK_KILLED, as Mesos's executors do on SHUTDOWN" \
  test "$(line_of "$n" "UPDATE TASK_KILLING")" -lt "$(line_of "$n" "UPDATE TASK_KILLED")"
stop_agent "$n"

# --- the container's network in TASK_RUNNING -------------------------------------
network=i21-net-$(echo "$RUN" | tr 'A-Z' 'a-z')
on_exit 'docker ps -aq --filter "network=$network" | xargs -r docker rm -f -v >/dev/null 2>&1; docker network rm "$network" >/dev/null 2>&1'
docker network create --internal "$network" >/dev/null
check "the test's internal network exists" docker network inspect "$network" -f '{{.Internal}}'

ip_of() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(name "$1")"; }
running_line() { grep -m1 '^UPDATE TASK_RUNNING' "$T/$1.agent.log"; }
# networked NAME DOCKER_TEXT CONTAINER_TEXT: NAME's long task on that network, reported running.
networked() {
  agent "$1"
  HOST_DOCKER=$2 HOST_CONTAINER=$3 launch_host "$1" "sleep 300" && eventually 30 agent_saw "$1" "UPDATE TASK_RUNNING"
}
# killed NAME: KILL ends NAME's task.
killed() { wait_for "$1" && signal_agent "$1" USR1 && await_call "$1-wait" 60; }

n=bridge-$RUN
check "bridge: launch a task with a NetworkInfo (an IPv4 request, a label)" networked "$n" "network: BRIDGE" \
  'network_infos { ip_addresses { protocol: IPv4 } labels { labels { key: "team" value: "web" } } }'
ip=$(ip_of "$n")
check "bridge: the container has an address" test -n "$ip"
contains "bridge: TASK_RUNNING has it in the task's NetworkInfo, in place of the request" \
  "network=- ip=$ip labels=team:web" "$(running_line "$n")"
contains "bridge: and in the label Mesos sends" "label=Docker.NetworkSettings.IPAddress:$ip" "$(running_line "$n")"
contains "bridge: docker inspect's JSON is its data" \
  "data=inspect:$(docker inspect -f '{{.Id}}' "$(name "$n")")" "$(running_line "$n")"
check "bridge: KILL ends it" killed "$n"
stop_agent "$n"

n=user-$RUN
check "user network: launch" networked "$n" "network: USER" "network_infos { name: \"$network\" }"
ip=$(ip_of "$n")
check "user network: the container has an address" test -n "$ip"
contains "user network: TASK_RUNNING has it, with the network's name" \
  "network=$network ip=$ip labels=-" "$(running_line "$n")"
check "user network: KILL ends it" killed "$n"
stop_agent "$n"

n=host-$RUN
check "host networking: launch" networked "$n" "network: HOST" ""
check "host networking: no network info, the agent fills in its own" \
  bash -c "! grep '^UPDATE TASK_RUNNING' '$T/$n.agent.log' | grep -q -e network= -e label="
contains "host networking: docker inspect's JSON still is the data, as in Mesos" \
  "data=inspect:$(docker inspect -f '{{.Id}}' "$(name "$n")")" "$(running_line "$n")"
check "host networking: KILL ends it" killed "$n"
stop_agent "$n"
finish
