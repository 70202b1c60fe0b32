#!/usr/bin/env bash
# Runs a Mesos agent (mesos-agent from 1.0, mesos-slave before) from
# MESOS_BUILD_DIR (a Mesos build directory, build prefix or install prefix;
# set in bin/environment.sh or the environment), with its libraries and this
# program as its containerizer. bin/mesos-agent.sh is this script too.
# Arguments go to the agent; added unless given:
#   --isolation=external (before 1.0) or --containerizers=external (1.0),
#   --containerizer_path (bin/docker-containerizer beside this script),
#   --work_dir, --launcher_dir (the Mesos's own executors), and
#   --systemd_enable_support=false on a host not run by systemd;
#   on 1.0, LIBPROCESS_NUM_WORKER_THREADS=256 in its environment: each
#   container's wait holds one of the agent's worker threads (README "Agents
#   under load"; set it higher for more than 255 containers).
# Says what it runs.
#   ./bin/mesos-slave.sh --master=127.0.0.1:5050
set -euo pipefail
source "$(dirname "$0")/mesos-build.sh"
mesos_from_settings
flags=()
version=$(mesos_version)
if [ "$(printf '%s\n' 1.0 "$version" | sort -V | head -n 1)" = 1.0 ]; then
  given containerizers "$@" || flags+=(--containerizers=external)
  [ -n "${LIBPROCESS_NUM_WORKER_THREADS:-}" ] || mesos_env+=(LIBPROCESS_NUM_WORKER_THREADS=256)
else
  given isolation "$@" || given containerizers "$@" || flags+=(--isolation=external)
fi
given containerizer_path "$@" || flags+=(--containerizer_path="$mesos_bin_dir/docker-containerizer")
given work_dir "$@" || flags+=(--work_dir="${TMPDIR:-/tmp}/mesos/agent")
given launcher_dir "$@" || flags+=(--launcher_dir="$mesos_launcher_dir")
# From 0.28 the agent refuses to start on a host that systemd does not run.
if [ ! -d /run/systemd/system ] && ! given systemd_enable_support "$@" &&
  [[ $(LD_LIBRARY_PATH="$mesos_libs" "$mesos_agent" --help 2>&1) == *systemd_enable_support* ]]; then
  flags+=(--systemd_enable_support=false)
fi
run_mesos "$mesos_agent" "${flags[@]}" "$@"
