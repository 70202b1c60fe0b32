#!/usr/bin/env bash
# registry (issue 11): pulls from a registry that wants a password
# (docker-registry's htpasswd auth, a bcrypt file from `htpasswd -B`):
# refused without credentials, naming image and registry; pulled with
# CONTAINERIZER_DOCKER_CONFIG (a path or the JSON itself) and with the
# sandbox's .docker/config.json or .dockercfg; credentials in no log and no
# label; the digest recorded (label, record) is the registry's.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry.sh"

unset MESOS_DEFAULT_CONTAINER_IMAGE
run=$(echo "$RUN" | tr 'A-Z' 'a-z')
user=i11-user
password=i11-secret-$RUN
REPO=
image_id=
on_exit 'remove_images "${REPO:+$REPO:1}" "$image_id"'

htpasswd -Bbc "$T/htpasswd" "$user" "$password" 2>/dev/null
if ! start_registry "$T/htpasswd"; then
  not_ok "a registry with htpasswd auth on 127.0.0.1:5100-5199" "$(tail -n 3 "$T/registry.log" 2>/dev/null)"
  finish
fi
registry=127.0.0.1:$REGISTRY_PORT
ok "a registry with htpasswd auth listens on $registry"
REPO=$registry/i11-auth-$run/busybox
auth=$(printf '%s:%s' "$user" "$password" | base64 -w0)
config="{\"auths\": {\"$registry\": {\"auth\": \"$auth\"}}}"

# Push with a client config of the test's own (never the machine's).
image_id=$(make_image "$REPO:1" private)
mkdir -p "$T/push-config"
echo "$config" >"$T/push-config/config.json"
docker --config "$T/push-config" push "$REPO:1" >"$T/push.log" 2>&1
digest=$(sed -n 's/^1: digest: \(sha256:[0-9a-f]*\) .*/\1/p' "$T/push.log")
check "the image is pushed with credentials" test -n "$digest"
docker rmi "$REPO:1" >/dev/null

absent() { ! docker image inspect "$REPO:1" >/dev/null 2>&1; }
# forget: the pulled image removed again (once the last container from it,
# removed after its wait, is gone).
forget() { check "the image is removed locally again" eventually 20 bash -c "docker rmi '$REPO:1' >/dev/null 2>&1; ! docker image inspect '$REPO:1' >/dev/null 2>&1"; }
# pulls DESCRIPTION NAME: container NAME launches from $REPO:1, pulled,
# and prints the image's content; its docker inspect is kept in
# $T/NAME.inspect, launch's stderr in $T/NAME.launch-err.
pulls() {
  if ! call launch "$T/launch.$2.bin"; then not_ok "$1" "$(cat "$T/err")"; return 1; fi
  cp "$T/err" "$T/$2.launch-err"
  docker inspect "$(name "$2")" >"$T/$2.inspect"
  check "$1: pulls" grep -q "pulling $REPO:1 from $registry" "$T/$2.launch-err"
  equals "$1: runs the private image" "killed: false
message: \"Container exited with status 0\"
status: 0" "$(termination_of "$(cid "$2")")"
}
frame() { pull_frame "$1" "$REPO:1" "cat /content" >/dev/null; }

# --- without credentials ---------------------------------------------------------
check "the image is absent locally" absent
refused "without credentials the pull is refused, naming image and registry" \
  "docker pull $REPO:1 from $registry failed" "$(cid anonymous)" "$(pull_frame anonymous "$REPO:1" true)"
contains "with the registry's reason" "no basic auth credentials" "$(cat "$T/err")"

# --- CONTAINERIZER_DOCKER_CONFIG ---------------------------------------------------
echo "$config" >"$T/operator-config.json"
frame by-path
CONTAINERIZER_DOCKER_CONFIG=$T/operator-config.json pulls "CONTAINERIZER_DOCKER_CONFIG as a path" by-path
equals "the record holds the image's id" "\"image_id\": \"$(docker image inspect -f '{{.Id}}' "$REPO:1")\"," \
  "$(grep -o '"image_id": "[^"]*",' "$(record_of by-path)/record.json")"
equals "the record holds the digest" "\"image_digest\": \"$REPO@$digest\"," \
  "$(grep -o '"image_digest": "[^"]*",' "$(record_of by-path)/record.json")"
check "launch logs the digest" grep -qF "from image $REPO:1 ($REPO@$digest)" "$T/by-path.launch-err"
leaks() { grep -rlF -e "$password" -e "$auth" "$@" 2>/dev/null; }
check "no credentials in launch's stderr" eval '! leaks "$T/by-path.launch-err"'
check "no credentials on the container (labels, environment)" eval '! leaks "$T/by-path.inspect"'
check "nothing of the pull's configuration left in the state directory" \
  eval '! find "$STATE" -name config.json | grep -q .'

forget
frame inline
CONTAINERIZER_DOCKER_CONFIG=$config pulls "CONTAINERIZER_DOCKER_CONFIG as the JSON itself" inline
forget
frame dockercfg-setting
CONTAINERIZER_DOCKER_CONFIG="{\"$registry\": {\"auth\": \"$auth\"}}" pulls \
  "CONTAINERIZER_DOCKER_CONFIG in the .dockercfg form" dockercfg-setting

# --- the sandbox's own config ----------------------------------------------------------
forget
frame sandbox-config
mkdir -p "$(sandbox_of sandbox-config)/.docker"
# With helpers that must not run: only the credentials are used.
echo "{\"auths\": {\"$registry\": {\"auth\": \"$auth\"}}, \"credsStore\": \"i11-absent-helper\"}" \
  >"$(sandbox_of sandbox-config)/.docker/config.json"
pulls "the sandbox's .docker/config.json" sandbox-config
forget
frame sandbox-dockercfg
echo "{\"$registry\": {\"auth\": \"$auth\", \"email\": \"i11@example.com\"}}" >"$(sandbox_of sandbox-dockercfg)/.dockercfg"
pulls "the sandbox's .dockercfg" sandbox-dockercfg
forget
frame sandbox-wins
echo "{\"$registry\": {\"auth\": \"$(printf 'x:y' | base64)\"}}" >"$(sandbox_of sandbox-wins)/.dockercfg"
CONTAINERIZER_DOCKER_CONFIG=$T/operator-config.json refused "the sandbox's credentials win over the setting" \
  "docker pull $REPO:1 from $registry failed" "$(cid sandbox-wins)" "$T/launch.sandbox-wins.bin"

# --- an image another framework pulled with its credentials (issue 37) -------------------
# with_credentials NAME: the sandbox of NAME's frame holds the registry's credentials.
with_credentials() {
  frame "$1"
  mkdir -p "$(sandbox_of "$1")/.docker"
  echo "$config" >"$(sandbox_of "$1")/.docker/config.json"
}
with_credentials owner
pulls "a framework pulls the private image with its credentials" owner
frame freeloader
check "another framework without credentials runs it too, as with Mesos" call launch "$T/launch.freeloader.bin"
CONTAINERIZER_ALWAYS_PULL=true refused "with CONTAINERIZER_ALWAYS_PULL=true it must pull it first, and cannot" \
  "docker pull $REPO:1 from $registry failed" "$(cid freeloader-pulls)" "$(pull_frame freeloader-pulls "$REPO:1" true)"
with_credentials owner-again
CONTAINERIZER_ALWAYS_PULL=true pulls "with credentials, it pulls the image the engine has, and runs it" owner-again
finish
