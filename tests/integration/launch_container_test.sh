#!/usr/bin/env bash
# bin/launch-container: drives the program as an agent would, streams the
# sandbox's output, exits with the container's code; a signal destroys.
source "$(dirname "$0")/lib.sh"
LC=$DC_ROOT/bin/launch-container

"$LC" --image "$TEST_IMAGE" --env GREETING=hi --id "$(cid code)" -- \
  'echo "$GREETING out"; echo "err line" >&2; exit 3' >"$T/lc.out" 2>"$T/lc.err"
equals "exits with the container's exit code" 3 "$?"
equals "streams the container's stdout" "hi out" "$(cat "$T/lc.out")"
contains "streams the container's stderr" "err line" "$(cat "$T/lc.err")"
contains "prints the Termination" "status: 768" "$(cat "$T/lc.err")"
contains "shows the image the container runs, by id" "from image $TEST_IMAGE (sha256:" "$(cat "$T/lc.err")"

"$LC" --image "$TEST_IMAGE" --id "$(cid argv)" -- /bin/echo two words >"$T/argv.out" 2>/dev/null
equals "several words run as an argv" "two words" "$(cat "$T/argv.out")"

# Its user is the operator: host paths are theirs to bind (and to fetch),
# unless the environment says otherwise.
mkdir -p "$T/data"
echo "host data" >"$T/data/file"
"$LC" --image "$TEST_IMAGE" --id "$(cid volume)" --volume "$T/data:/data:ro" --uri "$T/data/file" -- \
  'cat /data/file file' >"$T/volume.out" 2>"$T/volume.err"
equals "binds and fetches host paths" "host data
host data" "$(cat "$T/volume.out")"
CONTAINERIZER_HOST_VOLUMES=none "$LC" --image "$TEST_IMAGE" --id "$(cid no-volume)" --volume "$T/data:/data" -- \
  true >/dev/null 2>"$T/no-volume.err"
equals "unless CONTAINERIZER_HOST_VOLUMES in the environment refuses them" 1 "$?"
contains "saying so" "volume host_path '$T/data' is refused" "$(cat "$T/no-volume.err")"

# Volumes by hand (issue 22): a persistent volume as an agent keeps it, and
# a named volume (dc-test-<pid>-..., removed at exit), each found again by a
# second run.
named_volume=dc-test-$$-$RUN-lc
on_exit "docker rm -f -v \$(docker ps -aq --filter label=docker-containerizer.work-directory=$MESOS_WORK_DIRECTORY) >/dev/null 2>&1; docker volume rm -f $named_volume >/dev/null 2>&1"
"$LC" --image "$TEST_IMAGE" --id "$(cid pv-write)" --volume persistent:pv-lc:data \
  --volume "named:$named_volume:/named,opt=type=tmpfs,opt=device=tmpfs" -- \
  'echo persisted >data/file; grep -q " /named tmpfs " /proc/mounts && echo named-tmpfs' >"$T/pv.out" 2>"$T/pv.err"
equals "persistent: and named: volumes" "named-tmpfs" "$(cat "$T/pv.out")"
equals "the persistent volume's directory is where an agent keeps it" persisted \
  "$(cat "$MESOS_WORK_DIRECTORY/volumes/roles/launch-container/pv-lc/file")"
"$LC" --image "$TEST_IMAGE" --id "$(cid pv-read)" --volume persistent:pv-lc:/pv:ro -- 'cat /pv/file' >"$T/pv2.out" 2>/dev/null
equals "the next run finds its data" persisted "$(cat "$T/pv2.out")"
equals "the named volume is kept, with its options" tmpfs "$(docker volume inspect -f '{{.Options.type}}' "$named_volume")"

"$LC" --image "$TEST_IMAGE" --id "$(cid killed)" -- 'echo started; exec sleep 600' >"$T/kill.out" 2>"$T/kill.err" &
launcher=$!
eventually 20 grep -q started "$T/kill.out"
kill -TERM "$launcher"
wait "$launcher"
equals "a signal destroys; the exit code says how it ended" 143 "$?"
contains "the Termination says destroyed" "killed: true" "$(cat "$T/kill.err")"
check "the destroyed container is gone" bash -c "! docker inspect '$(name killed)' >/dev/null 2>&1"
finish
