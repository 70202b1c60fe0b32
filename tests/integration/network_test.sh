#!/usr/bin/env bash
# network USER (issue 11): the one named network of
# ContainerInfo.network_infos becomes the container's network; anything
# else is refused naming what was given; a network the engine lacks is
# refused with docker's error. The network is the test's own, internal
# (no traffic leaves the machine), and removed after.
source "$(dirname "$0")/lib.sh"

unset MESOS_DEFAULT_CONTAINER_IMAGE
network=i11-net-$(echo "$RUN" | tr 'A-Z' 'a-z')
on_exit 'docker ps -aq --filter "network=$network" | xargs -r docker rm -f -v >/dev/null 2>&1; docker network rm "$network" >/dev/null 2>&1'
docker network create --internal "$network" >/dev/null
check "the test's internal network exists" docker network inspect "$network" -f '{{.Internal}}'

# user_frame NAME NETWORK_INFOS: a USER-network Launch of container $(cid NAME).
user_frame() {
  exec_frame "$1" "command { value: \"sleep 30\" }
  container { type: DOCKER docker { image: \"$TEST_IMAGE\" network: USER } hostname: \"web\" $2 }"
}

if call launch "$(user_frame user "network_infos { name: \"$network\" }")"; then
  ok "a container on a user network launches"
else not_ok "a container on a user network launches" "$(cat "$T/err")"; fi
equals "its network is the named one" "$network" "$(docker inspect -f '{{.HostConfig.NetworkMode}}' "$(name user)")"
equals "it is attached to it" "$network" \
  "$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' "$(name user)")"
equals "with its hostname" web "$(docker inspect -f '{{.Config.Hostname}}' "$(name user)")"

refused "USER without network_infos is refused" \
  "network USER needs exactly one named network in ContainerInfo.network_infos, got 0" "$(cid none)" \
  "$(user_frame none '')"
refused "USER with two networks is refused, naming them" "got 2: '$network', 'other'" "$(cid two)" \
  "$(user_frame two "network_infos { name: \"$network\" } network_infos { name: \"other\" }")"
refused "a network the engine lacks is refused with docker's error" "i11-absent-$RUN" "$(cid absent)" \
  "$(user_frame absent "network_infos { name: \"i11-absent-$RUN\" }")"
contains "docker's error" "not found" "$(cat "$T/err")"
finish
