#!/usr/bin/env bash
# Persistent volumes and named docker volumes (issue 22). A task writes into
# its volume and ends; the next task on the same volume reads it; the data
# outlives destroy, the removal after a normal end and recover. Persistent
# volumes come from where the agent keeps them (its work directory, a PATH
# disk's root, a MOUNT disk's root); named volumes are made when absent, with
# their driver's options, and kept. Every refusal is one line and leaves
# nothing behind. The frames recorded from a real 1.0.1 agent (RESERVE,
# CREATE, LAUNCH; then LAUNCH on the volume) run in host mode.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"

unset MESOS_DEFAULT_CONTAINER_IMAGE CONTAINERIZER_REMOVE_DELAY
ROLES=$MESOS_WORK_DIRECTORY/volumes/roles
# Named volumes made here are dc-test-<pid>-<run>-NAME: removed at exit (after
# the containers that use them), and no other.
NAMED=dc-test-$$-$RUN
named() { echo "$NAMED-$1"; }
remove_named() {
  local ids
  ids=$(docker ps -aq --filter "label=docker-containerizer.work-directory=$MESOS_WORK_DIRECTORY")
  [ -n "$ids" ] && docker rm -f -v $ids >/dev/null 2>&1
  docker volume ls -q --filter "name=$NAMED-" | grep "^$NAMED-" | xargs -r docker volume rm -f >/dev/null
}
on_exit remove_named

# pv ID CONTAINER_PATH [MODE] [SOURCE_TEXT] [ROLE]: a persistent volume's disk resource.
pv() {
  echo "resources { name: \"disk\" type: SCALAR scalar { value: 64 } role: \"${5:-dc-test}\"
    disk { persistence { id: \"$1\" principal: \"dc-test\" } volume { container_path: \"$2\" mode: ${3:-RW} } ${4:-} } }"
}
# nv NAME CONTAINER_PATH [DRIVER] [OPTIONS_TEXT] [MODE]: a named docker volume.
nv() {
  local driver= options=
  [ -n "${3:-}" ] && driver="driver: \"$3\""
  [ -n "${4:-}" ] && options="driver_options { $4 }"
  echo "volumes { container_path: \"$2\" mode: ${5:-RW} source { type: DOCKER_VOLUME
    docker_volume { $driver name: \"$1\" $options } } }"
}
opt() { echo "parameter { key: \"$1\" value: \"$2\" }"; }
# vol_frame NAME COMMAND RESOURCES_TEXT [VOLUMES_TEXT] [LAUNCH_TEXT]: a
# custom executor running COMMAND with these resources and ContainerInfo volumes.
vol_frame() {
  exec_frame "$1" "command { value: \"$2\" }
  container { type: DOCKER docker { image: \"$TEST_IMAGE\" } ${4:-} }
  resources { name: \"cpus\" type: SCALAR scalar { value: 0.2 } }
  resources { name: \"mem\" type: SCALAR scalar { value: 64 } } $3" "${5:-}"
}
# ends NAME DESCRIPTION FRAME: launch, and wait reports exit 0.
ends() {
  if ! call launch "$3"; then not_ok "$2" "launch: $(cat "$T/err")"; return 1; fi
  equals "$2" "status: 0" "$(termination_of "$(cid "$1")" | grep '^status')"
}
mount_of() {
  docker inspect -f "{{range .Mounts}}{{if eq .Destination \"$2\"}}{{.Type}} {{if eq .Type \"volume\"}}{{.Name}}{{else}}{{.Source}}{{end}} {{.RW}}{{end}}{{end}}" "$(name "$1")"
}
out_of() { cat "$(sandbox_of "$1")/stdout"; }
volume_exists() { docker volume inspect "$1" >/dev/null 2>&1; }
# removed_and_kept CONTAINER VOLUME: the container is gone, the volume not.
removed_and_kept() { ! docker inspect "$1" >/dev/null 2>&1 && volume_exists "$2"; }

# --- a persistent volume in the agent's work directory ---------------------------------
mkdir -p "$ROLES/dc-test/pv-1"
CONTAINERIZER_REMOVE_DELAY=600 ends writer "a task writes into its persistent volume and ends" \
  "$(vol_frame writer 'echo kept >data/file' "$(pv pv-1 data)")"
equals "the volume is bound read-write from the agent's directory at \$MESOS_SANDBOX/data" \
  "bind $ROLES/dc-test/pv-1 true" "$(mount_of writer /mnt/mesos/sandbox/data)"
check "destroy" call destroy "$(frame_for Destroy "$(cid writer)")"
equals "the data survives destroy" kept "$(cat "$ROLES/dc-test/pv-1/file")"
ends reader "a second task on the same volume" "$(vol_frame reader 'cat data/file' "$(pv pv-1 data)")"
equals "reads the data" kept "$(out_of reader)"
check "its container is removed after its normal end" eventually 20 bash -c "! docker inspect $(name reader) >/dev/null 2>&1"
equals "the data survives the removal" kept "$(cat "$ROLES/dc-test/pv-1/file")"
check "recover" call recover
equals "the data survives recover" kept "$(cat "$ROLES/dc-test/pv-1/file")"

# --- PATH and MOUNT disks; nested and absolute container paths; read-only ---------------
mkdir -p "$T/disk-path/volumes/roles/dc-test/pv-2" "$T/disk-mount"
echo seed >"$T/disk-mount/seed"
path_source="source { type: PATH path { root: \"$T/disk-path\" } }"
mount_source="source { type: MOUNT mount { root: \"$T/disk-mount\" } }"
CONTAINERIZER_REMOVE_DELAY=600 ends disks "volumes of PATH and MOUNT disks, nested and absolute paths" \
  "$(vol_frame disks 'echo nested >deep/er/data/file; cat /srv/mounted/seed; touch /srv/mounted/x 2>/dev/null || echo read-only' \
    "$(pv pv-2 deep/er/data RW "$path_source") $(pv pv-3 /srv/mounted RO "$mount_source")")"
equals "a PATH disk's volume is under its root, at a nested path in the sandbox" \
  "bind $T/disk-path/volumes/roles/dc-test/pv-2 true" "$(mount_of disks /mnt/mesos/sandbox/deep/er/data)"
equals "a MOUNT disk's volume is its root, at an absolute path, read-only as its mode says" \
  "bind $T/disk-mount false" "$(mount_of disks /srv/mounted)"
equals "what the task saw" "seed
read-only" "$(out_of disks)"
equals "what it wrote" nested "$(cat "$T/disk-path/volumes/roles/dc-test/pv-2/file")"

# --- ownership for a non-root task user -------------------------------------------------
mkdir -p "$ROLES/dc-test/pv-owned"
ends owned "a task of user nobody writes into a new volume" \
  "$(vol_frame owned 'id -u >data/uid' "$(pv pv-owned data)" '' 'user: "nobody"')"
equals "the volume's directory became the task user's" "nobody nogroup" "$(stat -c '%U %G' "$ROLES/dc-test/pv-owned")"
equals "the task wrote as that user" "$(id -u nobody)" "$(cat "$ROLES/dc-test/pv-owned/uid")"
chown 1234:1234 "$ROLES/dc-test/pv-owned"
ends owned-again "another user's task on a volume that has an owner already" \
  "$(vol_frame owned-again 'ls data >/dev/null' "$(pv pv-owned data)" '' 'user: "nobody"')"
equals "leaves its owner as it is" "1234:1234" "$(stat -c '%u:%g' "$ROLES/dc-test/pv-owned")"

# --- named docker volumes -----------------------------------------------------------------
CONTAINERIZER_REMOVE_DELAY=600 ends named-writer "a task writes into a named volume (local driver)" \
  "$(vol_frame named-writer 'echo named-kept >/data/file' '' "$(nv "$(named kept)" /data local)")"
equals "it is mounted as that volume" "volume $(named kept) true" "$(mount_of named-writer /data)"
equals "it belongs to the task's role, * on unreserved resources" "*" \
  "$(docker volume inspect -f '{{index .Labels "docker-containerizer.role"}}' "$(named kept)")"
check "destroy" call destroy "$(frame_for Destroy "$(cid named-writer)")"
check "the named volume survives destroy" volume_exists "$(named kept)"
ends named-reader "a second task on the named volume" \
  "$(vol_frame named-reader 'cat /data/file' '' "$(nv "$(named kept)" /data '' '' RO)")"
equals "reads the data" named-kept "$(out_of named-reader)"
check "the named volume survives the removal after a normal end" \
  eventually 20 removed_and_kept "$(name named-reader)" "$(named kept)"

CONTAINERIZER_REMOVE_DELAY=600 ends tmpfs "a named volume with driver options (local, type=tmpfs)" \
  "$(vol_frame tmpfs 'grep -q \" /scratch tmpfs \" /proc/mounts' '' \
    "$(nv "$(named tmpfs)" scratch-rel local "$(opt type tmpfs) $(opt device tmpfs) $(opt o size=8m)") $(nv "$(named tmpfs2)" /scratch local "$(opt type tmpfs) $(opt device tmpfs)")")"
equals "was created with its driver and options before the container" "local tmpfs size=8m" \
  "$(docker volume inspect -f '{{.Driver}} {{.Options.type}} {{.Options.o}}' "$(named tmpfs)")"
equals "a relative container path lies in the sandbox" "volume $(named tmpfs) true" \
  "$(mount_of tmpfs /mnt/mesos/sandbox/scratch-rel)"
check "destroy" call destroy "$(frame_for Destroy "$(cid tmpfs)")"
check "it is kept after destroy" volume_exists "$(named tmpfs)"

# --- refusals: one line, nothing left behind ------------------------------------------------
refused "a persistence id that is not a plain name" "invalid persistence id 'a/b'" "$(cid bad-id)" \
  "$(vol_frame bad-id true "$(pv a/b data)")"
refused "a role that is not a plain name" "invalid role of persistent volume 'pv-1' '..'" "$(cid bad-role)" \
  "$(vol_frame bad-role true "$(pv pv-1 data RW '' ..)")"
refused "a named volume whose name is not a plain name" "invalid docker volume name '../etc'" "$(cid bad-name)" \
  "$(vol_frame bad-name true '' "$(nv ../etc /data)")"
refused "a container_path with .." "persistent volume 'pv-1' of role 'dc-test': container_path '../escape' has a '..' component" \
  "$(cid climb)" "$(vol_frame climb true "$(pv pv-1 ../escape)")"
refused "two volumes on one path" "two volumes on one path: docker volume '$(named twice)' at '/mnt/mesos/sandbox/data'" \
  "$(cid twice)" "$(vol_frame twice true "$(pv pv-1 data)" "$(nv "$(named twice)" data)")"
refused "a volume over the sandbox itself" "two volumes on one path: docker volume '$(named over)' at '/mnt/mesos/sandbox'" \
  "$(cid over)" "$(vol_frame over true '' "$(nv "$(named over)" /mnt/mesos/sandbox)")"
refused "a volume above the program's own mounts" \
  "persistent volume 'pv-1' of role 'dc-test' at '/mnt' would hold the container's own mount /mnt/mesos/sandbox" \
  "$(cid above)" "$(vol_frame above true "$(pv pv-1 /mnt)")"
refused "a volume directory this agent does not have" \
  "persistent volume 'pv-absent' of role 'dc-test': its directory $ROLES/dc-test/pv-absent does not exist on this agent" \
  "$(cid absent)" "$(vol_frame absent true "$(pv pv-absent data)")"
refused "a driver the policy refuses" \
  "docker volume '$(named flocker)': volume driver 'flocker' is refused (CONTAINERIZER_VOLUME_DRIVERS lists the drivers allowed: local)" \
  "$(cid flocker)" "$(vol_frame flocker true '' "$(nv "$(named flocker)" /data flocker)")"
refused "DockerInfo.volume_driver too" "DockerInfo.volume_driver: volume driver 'flocker' is refused" "$(cid old-driver)" \
  "$(exec_frame old-driver "command { value: \"true\" } container { type: DOCKER docker { image: \"$TEST_IMAGE\" volume_driver: \"flocker\" } }")"
refused "a local volume that binds a host path, under CONTAINERIZER_HOST_VOLUMES=none" \
  "docker volume '$(named bind)' (device /etc) is refused (CONTAINERIZER_HOST_VOLUMES=none" "$(cid bind)" \
  "$(vol_frame bind true '' "$(nv "$(named bind)" /data local "$(opt type none) $(opt o bind) $(opt device /etc)")")"
# Issue 30: the local driver's options are an allow-list; host file systems never come through it.
refused "a local volume of the host's proc" "docker volume '$(named proc)': the local driver's option 'type=proc' is refused" \
  "$(cid proc)" "$(vol_frame proc true '' "$(nv "$(named proc)" /data local "$(opt type proc) $(opt device proc)")")"
refused "a local volume binding a path relative to dockerd's directory" \
  "docker volume '$(named rbind)': the local driver's option 'device=../../etc' is refused" "$(cid rbind)" \
  "$(vol_frame rbind true '' "$(nv "$(named rbind)" /data local "$(opt type none) $(opt o rbind) $(opt device ../../etc)")")"
mkdir -p "$T/allowed" "$T/other"
CONTAINERIZER_HOST_VOLUMES=$T/allowed refused "a local volume binding a path outside CONTAINERIZER_HOST_VOLUMES" \
  "docker volume '$(named outside-bind)' (device $T/other) is outside CONTAINERIZER_HOST_VOLUMES" "$(cid outside-bind)" \
  "$(vol_frame outside-bind true '' "$(nv "$(named outside-bind)" /data local "$(opt o bind) $(opt device "$T/other")")")"
echo bound >"$T/allowed/file"
CONTAINERIZER_HOST_VOLUMES=$T/allowed ends inside-bind "a local volume binding a path CONTAINERIZER_HOST_VOLUMES allows" \
  "$(vol_frame inside-bind 'grep -q bound /data/file' '' "$(nv "$(named inside-bind)" /data local "$(opt type none) $(opt o bind) $(opt device "$T/allowed")")")"
for volume in flocker twice over bind proc rbind outside-bind; do
  check "no docker volume was made for the refused $volume" eval "! volume_exists $(named $volume)"
done

# --- named volumes belong to a role (issue 30) ---------------------------------------------
# role_frame NAME ROLE COMMAND VOLUME: a task on cpus reserved for ROLE with the named VOLUME at /data.
role_frame() {
  vol_frame "$1" "$3" "resources { name: \"cpus\" type: SCALAR scalar { value: 0.1 } role: \"$2\" }" \
    "$(nv "$(named "$4")" /data)"
}
CONTAINERIZER_REMOVE_DELAY=600 ends team-a "a task of role team-a makes a named volume" \
  "$(role_frame team-a team-a 'echo private >/data/file' shared)"
equals "labelled with its role" team-a \
  "$(docker volume inspect -f '{{index .Labels "docker-containerizer.role"}}' "$(named shared)")"
refused "a task of another role cannot use it, and is told whose it is" \
  "docker volume '$(named shared)' belongs to role 'team-a', not to this task's role 'team-b' (CONTAINERIZER_FOREIGN_VOLUMES=any allows it)" \
  "$(cid team-b)" "$(role_frame team-b team-b 'cat /data/file' shared)"
refused "nor can a task on unreserved resources" "belongs to role 'team-a', not to this task's role '*'" \
  "$(cid unreserved)" "$(vol_frame unreserved 'cat /data/file' '' "$(nv "$(named shared)" /data)")"
ends team-a-again "a second task of role team-a uses it" "$(role_frame team-a-again team-a 'grep -q private /data/file' shared)"
CONTAINERIZER_FOREIGN_VOLUMES=any ends team-b-any "CONTAINERIZER_FOREIGN_VOLUMES=any lets another role use it" \
  "$(role_frame team-b-any team-b 'grep -q private /data/file' shared)"
docker volume create "$(named by-hand)" >/dev/null
refused "a volume made outside the program is refused" \
  "docker volume '$(named by-hand)' was made outside the containerizer, so no role owns it; this task's role is 'team-a' (CONTAINERIZER_FOREIGN_VOLUMES=outside allows it)" \
  "$(cid by-hand)" "$(role_frame by-hand team-a true by-hand)"
CONTAINERIZER_FOREIGN_VOLUMES=outside ends by-hand-allowed "CONTAINERIZER_FOREIGN_VOLUMES=outside allows it" \
  "$(role_frame by-hand-allowed team-a true by-hand)"
equals "and leaves it unlabelled" "" \
  "$(docker volume inspect -f '{{index .Labels "docker-containerizer.role"}}' "$(named by-hand)")"

# --- the frames of a real 1.0.1 agent, in host mode ------------------------------------------
# Recorded with tests/real_agent/record_launch.py from a 1.0.1 agent with
# --resources=cpus:4;mem:4096;disk:1024 and work dir
# /tmp/dc22-rec/run.101/agent/work: the writer's launch came in the ACCEPT
# that also RESERVEd and CREATEd pv-1 (role dc-test, container_path data),
# the reader's from a second framework of the role, on the same volume.
# The volume is in the task's and in the command executor's resources.
declare -A RECORDED_CONTAINER=([writer]=15a04183-6e0b-403d-a5c2-1815e61ca2b8 [reader]=41ba83fb-dccf-47c4-9b6e-f40d1a137666)
declare -A RECORDED_FRAMEWORK=([writer]=cd358145-fdd9-4335-b0da-0e9d1a0939ad-0000
  [reader]=cd358145-fdd9-4335-b0da-0e9d1a0939ad-0001)
recorded() {
  local n=rec-$1-$RUN framework=${RECORDED_FRAMEWORK[$1]}
  agent_for "$n" "$framework" "$1" "$1"
  "$DC" decode Launch <"$DC_ROOT/tests/fixtures/launch-mesos-1.0.1-persistent-volume-$1.bin" |
    sed -e "s|^directory: .*|directory: \"$(new_sandbox "$n")\"|" -e "s|${RECORDED_CONTAINER[$1]}|$(cid "$n")|" |
    encode Launch >"$T/$n.bin"
  check "1.0.1 $1 frame: launches in host mode" with_executor_env "$n" MESOS_FRAMEWORK_ID="$framework" \
    MESOS_EXECUTOR_ID="$1" call launch "$T/$n.bin"
  wait_for "$n"
  check "1.0.1 $1 frame: wait returns" await_call "$n-wait" 60
  equals "1.0.1 $1 frame: with the task's exit 0" 0 "$(status_of "$n")"
  stop_agent "$n"
}
rm -rf "$ROLES/dc-test/pv-1" && mkdir -p "$ROLES/dc-test/pv-1"
recorded writer
equals "the writer wrote into pv-1 of this agent's work directory" written-by-writer "$(cat "$ROLES/dc-test/pv-1/file")"
recorded reader
equals "the reader read it" written-by-writer "$(cat "$(sandbox_of "rec-reader-$RUN")/stdout")"
finish
