#!/usr/bin/env bash
# policy (issues 11, 26): the operator's settings decide what a framework's
# ContainerInfo may ask for (docker parameters, legacy options, privileged,
# host paths, the engine's socket) and what every container gets (default
# parameters, global mounts). Each refusal names the setting that would
# allow it and leaves nothing behind; what is allowed is seen on the engine
# (docker inspect). Local URIs, host paths too, are in fetch_test.sh.
source "$(dirname "$0")/lib.sh"

unset MESOS_DEFAULT_CONTAINER_IMAGE
inspect() { docker inspect --type container -f "$2" "$(name "$1")"; }

# policy_frame NAME DOCKER_TEXT [CONTAINER_TEXT] [COMMAND]: a Launch of
# container $(cid NAME) in the test image, `sleep 30` unless COMMAND.
policy_frame() {
  exec_frame "$1" "command { value: \"${4:-sleep 30}\" }
  container { type: DOCKER docker { image: \"$TEST_IMAGE\" $2 } ${3:-} }"
}
# launches DESCRIPTION NAME FRAME: launch succeeds.
launches() {
  if call launch "$3"; then ok "$1"; else not_ok "$1" "$(cat "$T/err")"; fi
}

# --- docker parameters ------------------------------------------------------------
params='parameters { key: "shm-size" value: "64m" }
  parameters { key: "add-host" value: "first:127.0.0.2" } parameters { key: "add-host" value: "second:127.0.0.3" }'
refused "parameters are refused by default, naming the setting" \
  "docker parameters are refused (CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true allows them): shm-size=64m" \
  "$(cid no-params)" "$(policy_frame no-params "$params")"
CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true launches "allowed parameters launch" params "$(policy_frame params "$params")"
equals "an allowed parameter reaches the container" 67108864 "$(inspect params '{{.HostConfig.ShmSize}}')"
equals "repeated keys are kept, in order" '["first:127.0.0.2","second:127.0.0.3"]' \
  "$(inspect params '{{json .HostConfig.ExtraHosts}}')"
CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true refused "keys the program sets itself stay refused when allowed" \
  "docker parameter 'name=x' is not allowed" "$(cid reserved)" \
  "$(policy_frame reserved 'parameters { key: "name" value: "x" }')"

legacy="command { value: \"sleep 30\" container { image: \"docker:///$TEST_IMAGE\" options: \"--add-host\" options: \"legacy:127.0.0.4\" } }"
refused "legacy CommandInfo.container.options are refused by default" \
  "(CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true allows them)" "$(cid no-legacy)" "$(exec_frame no-legacy "$legacy")"
CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true launches "allowed legacy options launch" legacy "$(exec_frame legacy "$legacy")"
equals "allowed legacy options reach the container" '["legacy:127.0.0.4"]' "$(inspect legacy '{{json .HostConfig.ExtraHosts}}')"

# Issue 30: with parameters allowed, only harmless options pass; never one the program sets itself.
leaked=(user=0 label=docker-containerizer.sandbox=/etc memory=64g cpu-shares=100000 pids-limit=-1 oom-kill-disable=true
  oom-score-adj=-1000 volume-driver=local runtime=runc log-driver=none group-add=0 publish=2222:22 network=host
  env=LD_PRELOAD=/x.so workdir=/ ulimit=nproc=-1)
for option in "${leaked[@]}"; do
  n=$((${n:-0} + 1))
  CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true refused "with parameters allowed, $option is refused" \
    "docker parameter '$option' is not" "$(cid "leak-$n")" \
    "$(policy_frame "leak-$n" "parameters { key: \"${option%%=*}\" value: \"${option#*=}\" }")"
done
CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true refused "a label under the program's prefix, hidden in the key" \
  "labels under docker-containerizer. are the containerizer's own" "$(cid leak-key)" \
  "$(policy_frame leak-key 'parameters { key: "label=docker-containerizer.sandbox" value: "/etc" }')"
CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true CONTAINERIZER_DOCKER_PARAMETER_KEYS=ulimit launches \
  "CONTAINERIZER_DOCKER_PARAMETER_KEYS adds an option" ulimit "$(policy_frame ulimit 'parameters { key: "ulimit" value: "nofile=512:512" }')"
contains "which reaches the container" '"Name":"nofile","Hard":512,"Soft":512' "$(inspect ulimit '{{json .HostConfig.Ulimits}}')"

# --- default parameters and the pids limit ----------------------------------------------
export CONTAINERIZER_DEFAULT_DOCKER_PARAMETERS=read-only=true,tmpfs=/tmp,tmpfs=/run,cap-drop=NET_RAW,pids-limit=77
launches "a container without parameters launches with the defaults" defaults "$(policy_frame defaults '')"
equals "default parameters: read-only" true "$(inspect defaults '{{.HostConfig.ReadonlyRootfs}}')"
equals "default parameters: repeated tmpfs" '{"/run":"","/tmp":""}' "$(inspect defaults '{{json .HostConfig.Tmpfs}}')"
CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true launches "a container with parameters of its own" own \
  "$(policy_frame own 'parameters { key: "shm-size" value: "64m" } parameters { key: "read-only" value: "false" }
    parameters { key: "cap-drop" value: "MKNOD" }')"
equals "keeps the operator's defaults (issue 37), and adds its own" 'true {"/run":"","/tmp":""} 77 67108864' \
  "$(inspect own '{{.HostConfig.ReadonlyRootfs}} {{json .HostConfig.Tmpfs}} {{.HostConfig.PidsLimit}} {{.HostConfig.ShmSize}}')"
contains "the operator's cap-drop" NET_RAW "$(inspect own '{{json .HostConfig.CapDrop}}')"
contains "and the framework's" MKNOD "$(inspect own '{{json .HostConfig.CapDrop}}')"
unset CONTAINERIZER_DEFAULT_DOCKER_PARAMETERS
launches "a container gets a pids limit by default" pids "$(policy_frame pids '')"
equals "of 4096" 4096 "$(inspect pids '{{.HostConfig.PidsLimit}}')"
# A fork bomb ends in its own container: the shell cannot fork past the limit.
CONTAINERIZER_PIDS_LIMIT=16 launches "a fork bomb under CONTAINERIZER_PIDS_LIMIT=16" bomb \
  "$(policy_frame bomb '' '' 'for i in $(seq 64); do sleep 600 & done; echo all-forked')"
contains "is bounded: the wait ends with the shell's failure" "status: 512" "$(termination_of "$(cid bomb)")"
contains "fork failed" "can't fork" "$(cat "$(sandbox_of bomb)/stderr")"
equals "and never got past it" "" "$(grep all-forked "$(sandbox_of bomb)/stdout")"

# --- global container mounts --------------------------------------------------------
mkdir -p "$T/global"
echo shared-content >"$T/global/file"
export CONTAINERIZER_GLOBAL_CONTAINER_MOUNTS=$T/global:/mnt/global:ro
launches "a container launches with the global mounts" global \
  "$(policy_frame global '' '' 'cat /mnt/global/file; touch /mnt/global/new 2>/dev/null || echo read-only')"
equals "the global mount is on the container" "bind $T/global /mnt/global false" \
  "$(inspect global '{{range .Mounts}}{{if eq .Destination "/mnt/global"}}{{.Type}} {{.Source}} {{.Destination}} {{.RW}}{{end}}{{end}}')"
equals "the container reads it, read-only" "killed: false
message: \"Container exited with status 0\"
status: 0" "$(termination_of "$(cid global)")"
equals "what the container saw" "shared-content
read-only" "$(cat "$(sandbox_of global)/stdout")"
unset CONTAINERIZER_GLOBAL_CONTAINER_MOUNTS

# --- privileged ----------------------------------------------------------------------
# The runtime of these machines refuses privileged containers even when
# asked, so the allowed case is seen in the argv docker was given: this
# wrapper records each argv and runs the real docker CLI with it.
cat >"$T/docker" <<SCRIPT
#!/bin/sh
printf '%s\n' "\$@" "" >>"$T/docker-argv"
exec docker "\$@"
SCRIPT
chmod +x "$T/docker"
privileged='privileged: true'
: >"$T/docker-argv"
CONTAINERIZER_DOCKER=$T/docker refused "privileged is refused by default, naming the setting" \
  "privileged containers are refused (CONTAINERIZER_ALLOW_PRIVILEGED=true allows them)" "$(cid no-privileged)" \
  "$(policy_frame no-privileged "$privileged")"
check "and docker was never called" test ! -s "$T/docker-argv"
CONTAINERIZER_DOCKER=$T/docker CONTAINERIZER_ALLOW_PRIVILEGED=true call launch "$(policy_frame privileged "$privileged")"
check "allowed, --privileged reaches docker run" grep -qx -- --privileged "$T/docker-argv"
if grep -qx -- --privileged "$T/docker-argv"; then
  # Wherever the runtime allows it, the container is privileged indeed.
  inspect privileged '{{.HostConfig.Privileged}}' >"$T/privileged" 2>/dev/null || echo absent >"$T/privileged"
  check "the container is privileged or the runtime refused it" \
    grep -qxE 'true|absent' "$T/privileged"
fi

# --- host paths (issue 26) -------------------------------------------------------------
base=$(realpath "$T")
mkdir -p "$base/allowed/data" "$base/allowed-not" "$base/other"
ln -s "$base/other" "$base/allowed/link"
ln -s "$base/allowed/data" "$base/into-allowed"
# volume HOST_PATH [CONTAINER_PATH] [MODE]: a volume's text.
volume() { echo "volumes { host_path: \"$1\" container_path: \"${2:-/v}\" mode: ${3:-RO} }"; }
source_of() { inspect "$1" "{{range .Mounts}}{{if eq .Destination \"${2:-/v}\"}}{{.Source}}{{end}}{{end}}"; }

# The issue's mesos-execute run as the agent sends it: a command task whose
# container binds the host's / read-write at /host.
root_container="container { type: DOCKER docker { image: \"$TEST_IMAGE\" network: HOST } $(volume / /host RW) }"
root_task() {
  exec_frame "$1" "command { value: \"/usr/libexec/mesos/mesos-executor\" shell: false arguments: \"mesos-executor\" }
  $root_container" "task_info { name: \"$1\" task_id { value: \"$1\" }
  command { value: \"ls /host/etc/shadow && echo MOUNTED-HOST-ROOT\" } $root_container }"
}
refused "by default the host's / is refused, naming the path and the setting" \
  "volume host_path '/' is refused (CONTAINERIZER_HOST_VOLUMES=none; a prefix holding it, or any, allows it)" \
  "$(cid root)" "$(root_task root)"
CONTAINERIZER_HOST_VOLUMES=any launches "any restores Mesos's behaviour: the host's / read-write" any-root \
  "$(policy_frame any-root '' "$(volume / /host RW)" 'test -f /host/etc/shadow && echo MOUNTED-HOST-ROOT')"
termination_of "$(cid any-root)" >/dev/null
equals "the container had the host's /" MOUNTED-HOST-ROOT "$(cat "$(sandbox_of any-root)/stdout")"

refused "by default any absolute host path is refused" "volume host_path '$base/allowed/data' is refused" \
  "$(cid default)" "$(policy_frame default '' "$(volume "$base/allowed/data")")"
mkdir -p "$(new_sandbox relative)/cache"
launches "by default a sandbox-relative volume is allowed" relative "$(policy_frame relative '' "$(volume cache)")"
equals "and bound in the sandbox" "$(sandbox_of relative)/cache" "$(source_of relative)"

export CONTAINERIZER_HOST_VOLUMES=$base/allowed
launches "a host volume under an allowed prefix" allowed "$(policy_frame allowed '' "$(volume "$base/allowed/data")")"
equals "is bound" "$base/allowed/data" "$(source_of allowed)"
launches "the prefix itself" prefix "$(policy_frame prefix '' "$(volume "$base/allowed")")"
launches "a link from outside that resolves under the prefix" into "$(policy_frame into '' "$(volume "$base/into-allowed")")"
equals "is bound where it leads" "$base/allowed/data" "$(source_of into)"
refused "a host volume outside the prefixes is refused" \
  "volume host_path '$base/other' is outside CONTAINERIZER_HOST_VOLUMES ($base/allowed; a prefix holding it, or any, allows it)" \
  "$(cid outside)" "$(policy_frame outside '' "$(volume "$base/other")")"
refused "a prefix matches whole components: allowed is not allowed-not" \
  "'$base/allowed-not' is outside" "$(cid sibling)" "$(policy_frame sibling '' "$(volume "$base/allowed-not")")"
refused "nor its parent" "'$base' is outside" "$(cid parent)" "$(policy_frame parent '' "$(volume "$base")")"
refused "a .. escape is refused" "'$base/allowed/../other' ($base/other) is outside" "$(cid dotdot)" \
  "$(policy_frame dotdot '' "$(volume "$base/allowed/../other")")"
refused "a symlink escape is refused" "'$base/allowed/link' ($base/other) is outside" "$(cid symlink)" \
  "$(policy_frame symlink '' "$(volume "$base/allowed/link")")"
# Even into an allowed prefix (here through a symlink): a relative path means the sandbox.
ln -s "$base/allowed/data" "$(new_sandbox leaves)/escape"
refused "a sandbox-relative volume leaving the sandbox is refused" "leaves the sandbox" "$(cid leaves)" \
  "$(policy_frame leaves '' "$(volume escape)")"

# The engine's socket under an allowed prefix: refused, and so is any
# directory above it. The engine here listens on /run/docker.sock.
CONTAINERIZER_HOST_VOLUMES=/run refused "the docker socket under an allowed prefix is refused, named" \
  "volume host_path '/var/run/docker.sock' (/run/docker.sock) is or holds the container engine's socket /run/docker.sock, refused under every prefix (CONTAINERIZER_HOST_VOLUMES=any allows it)" \
  "$(cid socket)" "$(policy_frame socket '' "$(volume /var/run/docker.sock)")"
CONTAINERIZER_HOST_VOLUMES=/run refused "so is a directory holding it" "holds the container engine's socket" \
  "$(cid socket-dir)" "$(policy_frame socket-dir '' "$(volume /run)")"
# One the program is told of: a socket file (no engine behind it) under the prefix.
mkdir -p "$base/allowed/engine"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$base/allowed/engine/d.sock"
CONTAINERIZER_DOCKER_ARGS="-H unix://$base/allowed/engine/d.sock" refused \
  "the socket CONTAINERIZER_DOCKER_ARGS names is refused under a prefix" \
  "holds the container engine's socket $base/allowed/engine/d.sock" "$(cid docker-args)" \
  "$(policy_frame docker-args '' "$(volume "$base/allowed/engine")")"
DOCKER_HOST=unix://$base/allowed/engine/d.sock call launch "$(policy_frame docker-host '' "$(volume "$base/allowed/engine/d.sock")")"
one_line $? fail "is or holds the container engine's socket $base/allowed/engine/d.sock"
[ -e "$(record_of docker-host)" ] && problems+=("a record is left")
verdict "so is DOCKER_HOST's"
unset CONTAINERIZER_HOST_VOLUMES

# --- options that reach beyond the container (issue 26) ----------------------------------
# By default docker parameters and legacy options are refused whatever they
# are; allowed, each of these needs the setting that opens the same door.
privileged_options=(pid=host ipc=host uts=host userns=host cgroupns=host cgroup-parent=/
  device=/dev/mem device-cgroup-rule=a gpus=all cap-add=SYS_ADMIN security-opt=seccomp=unconfined privileged=true)
host_path_options=(volume=/:/host mount=type=bind,src=/,dst=/host volumes-from=other env-file=/etc/shadow
  label-file=/etc/shadow cidfile=/etc/cron.d/x)
n=0
for option in "${privileged_options[@]}" "${host_path_options[@]}"; do
  n=$((n + 1))
  frame=$(policy_frame "reach-$n" "parameters { key: \"${option%%=*}\" value: \"${option#*=}\" }")
  refused "by default, parameter $option is refused" "docker parameters are refused" "$(cid "reach-$n")" "$frame"
  setting=CONTAINERIZER_ALLOW_PRIVILEGED=true
  [ "$n" -gt ${#privileged_options[@]} ] && setting=CONTAINERIZER_HOST_VOLUMES=any
  CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true refused "with parameters allowed, $option still needs $setting" \
    "docker option '$option' reaches" "$(cid "reach-$n")" "$frame"
  check "and says which setting allows it" grep -qF "($setting allows it)" "$T/err"
done
for words in '"--pid=host"' '"--pid" "host"' '"--cap-add=ALL"' '"--device" "/dev/mem"' '"-v" "/:/host"' \
  '"--read-only" "-v/:/host"' '"--volumes-from" "other"' '"--userns=host"' '"--cgroup-parent" "/"'; do
  n=$((n + 1))
  options=$(for word in $words; do printf 'options: %s ' "$word"; done)
  frame=$(exec_frame "reach-$n" "command { value: \"sleep 30\" container { image: \"docker:///$TEST_IMAGE\" $options } }")
  refused "by default, legacy options $words are refused" "legacy CommandInfo.container.options" "$(cid "reach-$n")" "$frame"
  CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true refused "with parameters allowed, legacy $words still are" \
    "reaches" "$(cid "reach-$n")" "$frame"
done
# Allowed, such an option reaches the container.
CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true CONTAINERIZER_ALLOW_PRIVILEGED=true launches \
  "with privileged allowed too, cap-add reaches the container" cap \
  "$(policy_frame cap 'parameters { key: "cap-add" value: "SYS_PTRACE" }')"
contains "it has the capability" SYS_PTRACE "$(inspect cap '{{json .HostConfig.CapAdd}}')"

# --- what was refused before, now listed in the README's table ----------------------------
refused "a host port outside the container's ports resources is refused" "host port 22 is not in the container's port resources" \
  "$(cid port)" "$(policy_frame port 'network: BRIDGE port_mappings { host_port: 22 container_port: 80 }')"

CONTAINERIZER_HOST_VOLUMES=relative refused "a malformed setting is refused, named" \
  "CONTAINERIZER_HOST_VOLUMES: 'relative' is not any, none or an absolute path" "$(cid malformed)" \
  "$(policy_frame malformed '')"
finish
