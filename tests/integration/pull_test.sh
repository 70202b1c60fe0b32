#!/usr/bin/env bash
# pull: images come from a private registry on loopback (Debian's
# docker-registry): an absent image is pulled on launch with its progress in
# the program's stderr; a present one is not pulled again; force_pull_image
# pulls new content under the same tag; an image the registry lacks is
# refused, leaving nothing behind.
source "$(dirname "$0")/lib.sh"

unset MESOS_DEFAULT_CONTAINER_IMAGE
run=$(echo "$RUN" | tr 'A-Z' 'a-z')
registry_pid=
old_id=
new_id=
REPO=

# Everything this test made beyond the work directory's containers: the
# containers go first (they hold the images), then the tags and images, then
# the registry and its storage.
pull_cleanup() {
  local ids
  ids=$(docker ps -aq --filter "label=docker-containerizer.work-directory=$MESOS_WORK_DIRECTORY" 2>/dev/null)
  [ -n "$ids" ] && docker rm -f -v $ids >/dev/null 2>&1
  if [ -n "$REPO" ]; then
    docker rmi "$REPO:1" "$REPO:missing" >/dev/null 2>&1
  fi
  for id in $old_id $new_id; do docker rmi "$id" >/dev/null 2>&1; done
  if [ -n "$registry_pid" ]; then
    kill "$registry_pid" 2>/dev/null
    wait "$registry_pid" 2>/dev/null
  fi
  rm -rf "$T/registry"
}
on_exit pull_cleanup

# --- a private registry on a free loopback port -------------------------------
# start_registry PORT: starts docker-registry on 127.0.0.1:PORT; fails (and
# leaves nothing running) when it does not listen within 10 s.
start_registry() {
  cat >"$T/registry.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $T/registry
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$1
EOF
  docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
  registry_pid=$!
  local deadline=$((SECONDS + 10))
  # It logs "listening on" once its socket is bound; a taken port ends it.
  until grep -q "listening on 127.0.0.1:$1" "$T/registry.log"; do
    if ! kill -0 "$registry_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      kill "$registry_pid" 2>/dev/null
      wait "$registry_pid" 2>/dev/null
      registry_pid=
      return 1
    fi
    sleep 0.05
  done
  # And it answers.
  eventually 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1"
}

port=
first=$((5100 + RANDOM % 100))
for i in $(seq 0 99); do
  candidate=$((5100 + (first - 5100 + i) % 100))
  ss -ltnH "sport = :$candidate" | grep -q . && continue
  if start_registry "$candidate"; then port=$candidate; break; fi
done
if [ -z "$port" ]; then
  not_ok "a private registry on 127.0.0.1:5100-5199" "$(tail -n 3 "$T/registry.log" 2>/dev/null)"
  finish
fi
ok "a private registry listens on 127.0.0.1:$port"
REPO=127.0.0.1:$port/dc-pull-$run/busybox

# --- images: two contents under one tag ----------------------------------------
# make_image CONTENT: imports a busybox image whose /content holds CONTENT
# as $REPO:1 and prints its id.
make_image() {
  local rootfs=$T/rootfs
  rm -rf "$rootfs"
  mkdir -p "$rootfs/bin" "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/"
  for applet in sh cat echo true; do ln -s busybox "$rootfs/bin/$applet"; done
  echo "$1" >"$rootfs/content"
  # Layers unique to this run: another run's identical layer would be
  # "Already exists" instead of pulled.
  echo "$RUN" >"$rootfs/run"
  tar -C "$rootfs" -c . | docker import -c 'CMD ["/bin/sh"]' - "$REPO:1"
}
push() { docker push "$REPO:1" >"$T/push.log" 2>&1 || { cat "$T/push.log" >&2; return 1; }; }

old_id=$(make_image old)
check "the old image is pushed" push
docker rmi "$REPO:1" >/dev/null
check "then it is absent locally" eval '! docker image inspect "$REPO:1" >/dev/null 2>&1'

# pull_frame NAME IMAGE COMMAND [DOCKER_TEXT]: a Launch of container
# $(cid NAME) running COMMAND (shell) in IMAGE, in a fresh sandbox.
pull_frame() {
  exec_frame "$1" "command { value: \"$3\" }
  container { type: DOCKER docker { image: \"$2\" ${4:-} } }
  resources { name: \"cpus\" type: SCALAR scalar { value: 0.5 } }
  resources { name: \"mem\" type: SCALAR scalar { value: 64 } }"
}

# runs DESCRIPTION NAME CONTENT [DOCKER_TEXT]: container NAME, launched from
# $REPO:1, exits 0 having printed CONTENT (the image's /content). The
# launch's stderr stays in $T/NAME.launch-err.
runs() {
  call launch "$(pull_frame "$2" "$REPO:1" "cat /content" "${4:-}")"
  local rc=$?
  cp "$T/err" "$T/$2.launch-err"
  if [ "$rc" -ne 0 ]; then
    not_ok "$1" "launch failed: $(cat "$T/err")"
    return 1
  fi
  equals "$1: exits 0" 'killed: false
message: "Container exited with status 0"
status: 0' "$(termination_of "$(cid "$2")")"
  equals "$1: runs the $3 content" "$3" "$(cat "$(sandbox_of "$2")/stdout")"
}
pulled() { check "$1" grep -q "$2" "$T/$3.launch-err"; }
not_pulled() {
  if grep -qE 'Pulling|Pull complete|Unable to find image' "$T/$2.launch-err"; then
    not_ok "$1" "stderr: $(cat "$T/$2.launch-err")"
  else ok "$1"; fi
}

# --- an absent image is pulled --------------------------------------------------
runs "an absent image" first old
pulled "the pull's progress is in the program's stderr: Pulling from" "Pulling from dc-pull-$run/busybox" first
pulled "the pull's progress is in the program's stderr: Pull complete" "Pull complete" first
pulled "the pull's progress is in the program's stderr: Downloaded newer image" \
  "Status: Downloaded newer image for $REPO:1" first
equals "the pulled image is the pushed one" "$old_id" "$(docker image inspect -f '{{.Id}}' "$REPO:1" 2>&1)"

# --- a present image is not pulled again ----------------------------------------
runs "the image once present" second old
not_pulled "no pull when the image is present" second

# --- new content under the same tag, the old one kept locally --------------------
new_id=$(make_image new)
check "new content is pushed under the same tag" push
docker tag "$old_id" "$REPO:1"
docker rmi "$new_id" >/dev/null
equals "locally the tag still holds the old content" "$old_id" \
  "$(docker image inspect -f '{{.Id}}' "$REPO:1" 2>&1)"
runs "without force_pull_image" stale old
not_pulled "without force_pull_image nothing is pulled" stale
runs "with force_pull_image" forced new "force_pull_image: true"
pulled "force_pull_image pulls: Pull complete" "Pull complete" forced
pulled "force_pull_image pulls: Downloaded newer image" "Status: Downloaded newer image for $REPO:1" forced
equals "the tag now holds the new content" "$new_id" "$(docker image inspect -f '{{.Id}}' "$REPO:1" 2>&1)"

# --- an image the registry lacks -------------------------------------------------
# Launch exits non-zero with one line on stderr naming the container and
# docker's error, nothing on stdout, and leaves no container and no record.
id=$(cid missing)
problems=()
call launch "$(pull_frame missing "$REPO:missing" true)" && problems+=("exit code 0")
[ "$(wc -l <"$T/err")" -eq 1 ] || problems+=("stderr is not one line")
grep -qF -- "container $id" "$T/err" || problems+=("stderr does not name container $id")
grep -qF -- "docker run failed" "$T/err" || problems+=("stderr lacks: docker run failed")
grep -qE -- "manifest unknown|not found" "$T/err" || problems+=("stderr lacks docker's error (manifest unknown)")
[ -s "$T/out" ] && problems+=("stdout is not empty")
[ -z "$(docker ps -aq --filter "label=docker-containerizer.container-id=$id")" ] || problems+=("a container is left")
docker inspect --type container "$(name_of "$id")" >/dev/null 2>&1 && problems+=("a container is left")
[ -e "$STATE/containers/$id" ] && problems+=("a record is left")
docker image inspect "$REPO:missing" >/dev/null 2>&1 && problems+=("an image $REPO:missing exists")
if [ ${#problems[@]} -eq 0 ]; then ok "an image missing from the registry is refused, leaving nothing"
else not_ok "an image missing from the registry is refused, leaving nothing" "${problems[@]}" "stderr: $(cat "$T/err")"; fi
finish
