#!/usr/bin/env bash
# Runs a Mesos master from MESOS_BUILD_DIR (a Mesos build directory, build
# prefix or install prefix; set in bin/environment.sh or the environment),
# with its libraries. Arguments go to mesos-master; a --work_dir is added
# unless given (the replicated registry needs one). Says what it runs.
#   ./bin/mesos-master.sh --ip=127.0.0.1
set -euo pipefail
source "$(dirname "$0")/mesos-build.sh"
mesos_from_settings
flags=()
given work_dir "$@" || flags+=(--work_dir="${TMPDIR:-/tmp}/mesos/master")
run_mesos "$mesos_master" "${flags[@]}" "$@"
