# Sourced after lib.sh by tests that need a private registry on loopback
# (Debian's docker-registry, ../shared/TESTBED.md): start_registry starts
# one on a free port, stopped (its storage removed) at exit.
registry_pid=
REGISTRY_PORT=

stop_registry() {
  if [ -n "$registry_pid" ]; then
    kill "$registry_pid" 2>/dev/null
    wait "$registry_pid" 2>/dev/null
  fi
  registry_pid=
  rm -rf "$T/registry"
}
on_exit stop_registry

# remove_images IMAGE...: at exit, the work directory's containers first
# (they hold the images), then the images (tags or ids; empty ones skipped).
remove_images() {
  local ids image
  ids=$(docker ps -aq --filter "label=docker-containerizer.work-directory=$MESOS_WORK_DIRECTORY" 2>/dev/null)
  [ -n "$ids" ] && docker rm -f -v $ids >/dev/null 2>&1
  for image in "$@"; do [ -n "$image" ] && docker rmi "$image" >/dev/null 2>&1; done
  return 0
}

# serve_registry PORT [HTPASSWD_FILE]: docker-registry on 127.0.0.1:PORT,
# with htpasswd authentication when a file is given; fails (and leaves
# nothing running) when it does not listen within 10 s.
serve_registry() {
  cat >"$T/registry.yml" <<YAML
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
YAML
  if [ -n "${2:-}" ]; then
    printf 'auth:\n  htpasswd:\n    realm: docker-containerizer-test\n    path: %s\n' "$2" >>"$T/registry.yml"
  fi
  docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
  registry_pid=$!
  local deadline=$((SECONDS + 10))
  # It logs "listening on" once its socket is bound; a taken port ends it.
  until grep -q "listening on 127.0.0.1:$1" "$T/registry.log"; do
    if ! kill -0 "$registry_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      stop_registry
      return 1
    fi
    sleep 0.05
  done
  # And it answers.
  eventually 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1"
}

# start_registry [HTPASSWD_FILE]: a registry on a free port of 5100-5199,
# in $REGISTRY_PORT; fails when none could be started.
start_registry() {
  local first=$((5100 + RANDOM % 100)) candidate i
  for i in $(seq 0 99); do
    candidate=$((5100 + (first - 5100 + i) % 100))
    ss -ltnH "sport = :$candidate" | grep -q . && continue
    if serve_registry "$candidate" "${1:-}"; then REGISTRY_PORT=$candidate; return 0; fi
  done
  return 1
}

# make_image REF CONTENT: imports a busybox image whose /content holds
# CONTENT as REF and prints its id. Its layer is unique to this run:
# another run's identical layer would be "Already exists" instead of pulled.
make_image() {
  local rootfs=$T/rootfs
  rm -rf "$rootfs"
  mkdir -p "$rootfs/bin" "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/"
  for applet in sh cat echo true; do ln -s busybox "$rootfs/bin/$applet"; done
  echo "$2" >"$rootfs/content"
  echo "$RUN" >"$rootfs/run"
  tar -C "$rootfs" -c . | docker import -c 'CMD ["/bin/sh"]' - "$1"
}

# pull_frame NAME IMAGE COMMAND [DOCKER_TEXT]: a Launch of container
# $(cid NAME) running COMMAND (shell) in IMAGE, in a fresh sandbox.
pull_frame() {
  exec_frame "$1" "command { value: \"$3\" }
  container { type: DOCKER docker { image: \"$2\" ${4:-} } }
  resources { name: \"cpus\" type: SCALAR scalar { value: 0.5 } }
  resources { name: \"mem\" type: SCALAR scalar { value: 64 } }"
}
