#!/usr/bin/env bash
# Port variables (issue 13): a command task gets PORT0...PORTn, PORT and
# PORTS from its ports resources, in the order of the ranges, and
# PORT_<container port> for each bridge port mapping; a variable its own
# environment sets wins. Checked inside the container, on the host and the
# bridge network, in each task mode: executor (what runs in the container is
# the executor, here `env`; the agent's command executor passes its
# environment on to the task), override (the task's command in the
# container, a stand-in for the agent's mesos-executor on the host) and host
# (the task's command in the container, this program's executor on the host;
# with no agent to talk to it gives up, the container runs on).
source "$(dirname "$0")/lib.sh"

unset MESOS_DEFAULT_CONTAINER_IMAGE MESOS_AGENT_ENDPOINT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'; }

# What the agent's command executor does with --override, reduced to it:
# flags up to "--", then the rest is the command to run.
mkdir -p "$T/bin"
cat >"$T/bin/mesos-executor" <<'EOF'
#!/bin/sh
while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
shift
exec "$@"
EOF
chmod 755 "$T/bin/mesos-executor"

# ports_frame NAME NETWORK PORT MODE: a command task printing its
# environment, allotted the ports PORT, 31000 and 31001 (in that order) and
# setting PORT1 itself; on BRIDGE, container port 8080 is published on PORT.
ports_frame() {
  local file=$T/launch.$1.bin mapping="" executor ranges
  ranges="resources { name: \"ports\" type: RANGES ranges { range { begin: $3 end: $3 } range { begin: 31000 end: 31001 } } }"
  [ "$2" = BRIDGE ] && mapping="port_mappings { host_port: $3 container_port: 8080 }"
  if [ "$4" = executor ]; then executor='value: "env" shell: true'
  else executor="value: \"$T/bin/mesos-executor\" shell: false arguments: \"mesos-executor\""; fi
  encode Launch >"$file" <<TEXT
container_id { value: "$(cid "$1")" }
task_info {
  name: "task-$1"
  task_id { value: "task-$1" }
  $ranges
  command { value: "env" shell: true environment { variables { name: "PORT1" value: "mine" } } }
  container { type: DOCKER docker { image: "$TEST_IMAGE" network: $2 $mapping } }
}
executor_info {
  executor_id { value: "executor-$1" }
  framework_id { value: "framework-$RUN" }
  resources { name: "cpus" type: SCALAR scalar { value: 0.2 } }
  resources { name: "mem" type: SCALAR scalar { value: 64 } }
  $ranges
  command { $executor }
}
directory: "$(new_sandbox "$1")"
TEXT
  echo "$file"
}

# variable NAME VAR: VAR as the container printed it.
variable() { sed -n "s/^$2=//p" "$(sandbox_of "$1")/stdout"; }

for mode in executor override host; do
  for network in HOST BRIDGE; do
    n=$mode-$(echo "$network" | tr 'A-Z' 'a-z')
    port=$(free_port)
    if ! CONTAINERIZER_TASK_MODE=$mode call launch "$(ports_frame "$n" "$network" "$port" "$mode")"; then
      not_ok "$n: launch" "$(cat "$T/err")"
      continue
    fi
    ok "$n: launch"
    check "$n: the container prints its environment" eventually 30 grep -q '^PORTS=' "$(sandbox_of "$n")/stdout"
    equals "$n: PORT0 is the first port of the first range" "$port" "$(variable "$n" PORT0)"
    equals "$n: PORT1 is the task's own" mine "$(variable "$n" PORT1)"
    equals "$n: PORT2 the last port" 31001 "$(variable "$n" PORT2)"
    equals "$n: PORT is PORT0" "$port" "$(variable "$n" PORT)"
    equals "$n: PORTS lists them in order" "$port,31000,31001" "$(variable "$n" PORTS)"
    equals "$n: there is no PORT3" "" "$(variable "$n" PORT3)"
    if [ "$network" = BRIDGE ]; then
      equals "$n: PORT_8080 is its host port" "$port" "$(variable "$n" PORT_8080)"
      equals "$n: which docker published" "$port" \
        "$(docker inspect -f '{{(index (index .HostConfig.PortBindings "8080/tcp") 0).HostPort}}' "$(name "$n")")"
    else
      equals "$n: no PORT_<port> without port mappings" "" "$(grep '^PORT_' "$(sandbox_of "$n")/stdout")"
    fi
    check "$n: destroy" call destroy "$(frame_for Destroy "$(cid "$n")")"
  done
done
finish
