#!/usr/bin/env bash
# --version (issue 13): four lines on stdout, exit 0, also when docker cannot
# be run or its engine does not answer.
source "$(dirname "$0")/lib.sh"

# version_lines DESCRIPTION DOCKER_LINE_PATTERN [ENV...]: --version under
# that environment exits 0, writes nothing on stderr, and prints exactly the
# version, revision, protobuf and docker client lines.
version_lines() {
  local description=$1 docker_line=$2 out rc
  shift 2
  out=$(env "$@" "$DC" --version 2>"$T/err")
  rc=$?
  local problems=()
  [ "$rc" = 0 ] || problems+=("exit code $rc")
  [ -s "$T/err" ] && problems+=("stderr: $(cat "$T/err")")
  [ "$(wc -l <<<"$out")" = 4 ] || problems+=("not four lines")
  grep -qxE 'docker-containerizer [0-9]+\.[0-9]+\.[0-9]+' <<<"$(sed -n 1p <<<"$out")" || problems+=("line 1: no version")
  grep -qxE 'revision: [0-9a-f]{12}(-dirty)?|revision: .+-g[0-9a-f]{12}(-dirty)?|revision: unknown' <<<"$(sed -n 2p <<<"$out")" ||
    problems+=("line 2: no revision")
  grep -qxE 'protobuf: [0-9]+\.[0-9]+\.[0-9]+' <<<"$(sed -n 3p <<<"$out")" || problems+=("line 3: no protobuf version")
  grep -qxE -- "$docker_line" <<<"$(sed -n 4p <<<"$out")" || problems+=("line 4 does not match: $docker_line")
  if [ ${#problems[@]} -eq 0 ]; then ok "$description"; else not_ok "$description" "${problems[@]}" "stdout: $out"; fi
}

client=$(docker version --format '{{.Client.Version}}' 2>/dev/null)
version_lines "--version: version, revision, protobuf, docker client" "docker client: ${client//./\\.}"
version_lines "the client's version also when the engine does not answer" "docker client: ${client//./\\.}" \
  DOCKER_HOST="unix://$T/no-engine.sock"
version_lines "a docker CLI not in PATH is said in its field" \
  "docker client: unavailable: docker CLI 'no-such-docker' not found in PATH.*" CONTAINERIZER_DOCKER=no-such-docker
version_lines "so is one that cannot be run" "docker client: unavailable: cannot run $T/no-docker: .*" \
  CONTAINERIZER_DOCKER="$T/no-docker"
check "--help lists --version" bash -c "'$DC' --help | grep -q -- --version"
finish
