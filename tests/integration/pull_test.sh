#!/usr/bin/env bash
# pull: images come from a private registry on loopback (Debian's
# docker-registry): an absent image is pulled on launch with its progress in
# the program's stderr, a few lines, not one per layer event; a present one
# is not pulled again; force_pull_image pulls new content under the same
# tag; an image the registry lacks is refused, leaving nothing behind.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry.sh"

unset MESOS_DEFAULT_CONTAINER_IMAGE
run=$(echo "$RUN" | tr 'A-Z' 'a-z')
old_id=
new_id=
REPO=

on_exit 'remove_images "${REPO:+$REPO:1}" "${REPO:+$REPO:missing}" "$old_id" "$new_id"'

if ! start_registry; then
  not_ok "a private registry on 127.0.0.1:5100-5199" "$(tail -n 3 "$T/registry.log" 2>/dev/null)"
  finish
fi
port=$REGISTRY_PORT
ok "a private registry listens on 127.0.0.1:$port"
REPO=127.0.0.1:$port/dc-pull-$run/busybox

# --- images: two contents under one tag ----------------------------------------
push() { docker push "$REPO:1" >"$T/push.log" 2>&1 || { cat "$T/push.log" >&2; return 1; }; }

old_id=$(make_image "$REPO:1" old)
check "the old image is pushed" push
docker rmi "$REPO:1" >/dev/null
check "then it is absent locally" eval '! docker image inspect "$REPO:1" >/dev/null 2>&1'

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
  if grep -qiE 'pulling|pulled|Unable to find image' "$T/$2.launch-err"; then
    not_ok "$1" "stderr: $(cat "$T/$2.launch-err")"
  else ok "$1"; fi
}

# --- an absent image is pulled --------------------------------------------------
runs "an absent image" first old
pulled "the pull's progress is in the program's stderr: its start" "pulling $REPO:1 from 127.0.0.1:$port" first
pulled "the pull's progress is in the program's stderr: its end" "pulled $REPO:1 in .* s, layers: 1" first
pulled "the pull's progress is in the program's stderr: docker's digest" "Digest: sha256:" first
check "no line per layer event" eval '! grep -qE "Pull complete|Pulling fs layer|Download complete" "$T/first.launch-err"'
pulled "the pull's progress is in the program's stderr: Downloaded newer image" \
  "Status: Downloaded newer image for $REPO:1" first
equals "the pulled image is the pushed one" "$old_id" "$(docker image inspect -f '{{.Id}}' "$REPO:1" 2>&1)"

# --- a present image is not pulled again, nor inspected before docker run -------
# What the launch asks docker, through a docker that writes down its argv.
printf '#!/bin/sh\necho "$*" >>"%s"\nexec docker "$@"\n' "$T/docker-calls" >"$T/recording-docker"
chmod +x "$T/recording-docker"
CONTAINERIZER_DOCKER=$T/recording-docker runs "the image once present" second old
not_pulled "no pull when the image is present" second
check "the launch's first docker call is docker run: the image is known from the last launch" \
  eval 'head -n 1 "$T/docker-calls" | grep -q "^run "'
record_has() { grep -qF "\"$2\": \"$3\"" "$(record_of "$1")/record.json"; }
check "the record holds the image's id" record_has second image_id "$old_id"

# --- new content under the same tag, the old one kept locally --------------------
new_id=$(make_image "$REPO:1" new)
check "new content is pushed under the same tag" push
docker tag "$old_id" "$REPO:1"
docker rmi "$new_id" >/dev/null
equals "locally the tag still holds the old content" "$old_id" \
  "$(docker image inspect -f '{{.Id}}' "$REPO:1" 2>&1)"
runs "without force_pull_image" stale old
not_pulled "without force_pull_image nothing is pulled" stale
runs "with force_pull_image" forced new "force_pull_image: true"
pulled "force_pull_image pulls" "pulled $REPO:1 in .* s, layers: 1" forced
pulled "force_pull_image pulls: Downloaded newer image" "Status: Downloaded newer image for $REPO:1" forced
equals "the tag now holds the new content" "$new_id" "$(docker image inspect -f '{{.Id}}' "$REPO:1" 2>&1)"

# --- the tag moved behind the program's back: the container is the truth ---------
# The last launch saw the new content; a person points the tag back at the old.
docker tag "$old_id" "$REPO:1"
runs "a tag moved since the last launch" moved old
check "the launch names the content it last saw" grep -qF "($REPO@" "$T/moved.launch-err"
check "the container's first look (the wait) corrects the record" record_has moved image_id "$old_id"
check "and says so" grep -qF "not $new_id: the tag moved" "$T/err"
runs "the next launch" after-move old
check "knows the tag's content again" eval '! grep -q "the tag moved" "$T/err"'

# --- an image the engine lost since the last launch is pulled again ---------------
docker rmi -f "$REPO:1" >/dev/null
runs "an image removed since the last launch" lost new
pulled "it is pulled again" "pulled $REPO:1 in .* s" lost

# --- an image the registry lacks -------------------------------------------------
refused "an image missing from the registry is refused, naming image and registry" \
  "docker pull $REPO:missing from 127.0.0.1:$port failed" "$(cid missing)" "$(pull_frame missing "$REPO:missing" true)"
contains "with docker's error" "manifest unknown" "$(cat "$T/err")"
check "and no image $REPO:missing exists" eval '! docker image inspect "$REPO:missing" >/dev/null 2>&1'
finish
