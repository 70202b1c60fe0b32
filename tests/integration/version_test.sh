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

# check (issue 33): each running agent's libprocess worker threads and the
# room they leave. A stand-in 1.0.1 agent: a process named mesos-agent with
# what `check` reads of a real one (its environment, its --work_dir, the
# libmesos-1.0.1.so it has loaded), this suite's work directory as its own.
# Other agents on the machine have lines of their own.
standin=$T/standin
mkdir -p "$standin"
cp "$(command -v bash)" "$standin/mesos-agent"
cp "$(ldconfig -p | awk '$1 == "libm.so.6" && /x86-64/ {print $NF; exit}')" "$standin/libmesos-1.0.1.so"
mkfifo "$standin/hold"
LD_PRELOAD=$standin/libmesos-1.0.1.so LIBPROCESS_NUM_WORKER_THREADS=4 \
  "$standin/mesos-agent" -c 'read -r _ <"$0"' "$standin/hold" --work_dir="$MESOS_WORK_DIRECTORY" &
agent=$!
on_exit "kill $agent"
# room_line: check's line about the stand-in, once its libmesos is loaded.
room_line() { "$DC" check 2>"$T/check.err" | grep -F "(pid $agent, Mesos 1.0.1, "; }
agent_line="mesos-agent (pid $agent, Mesos 1.0.1, work_dir $MESOS_WORK_DIRECTORY): 4 libprocess worker threads (LIBPROCESS_NUM_WORKER_THREADS)"
eventually 20 room_line >/dev/null
equals "check: an agent's version, worker threads, containers and the room left" \
  "$agent_line, 0 containers: room for 3 more (it stops at 4)" "$(room_line)"
start room1 'sleep 600'
start room2 'sleep 600'
equals "check counts the agent's live containers" "$agent_line, 2 containers: room for 1 more (it stops at 4)" \
  "$(room_line)"
start room3 'sleep 600'
contains "with one free worker left it warns as launch does" \
  "3 containers: the agent holds 3 containers, and the wait on each blocks one of its 4 libprocess worker threads" \
  "$(room_line)"
"$DC" check >/dev/null 2>&1
equals "and exits 1" 1 "$?"
# Another user's process named mesos-agent is not looked at: it could send
# check, run as root, to read any --work_dir.
mkfifo -m 666 "$standin/hold-nobody"
setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$standin/mesos-agent" -c 'read -r _ <"$0"' "$standin/hold-nobody" --work_dir=/etc &
impostor=$!
on_exit "kill $impostor"
comm_is() { [ "$(ps -o comm= -p "$1")" = "$2" ]; }
eventually 20 comm_is "$impostor" mesos-agent
equals "check leaves out another user's process named mesos-agent" "" \
  "$("$DC" check 2>&1 | grep -F "pid $impostor")"
finish
