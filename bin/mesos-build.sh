# Where a Mesos's programs are: sourced by bin/mesos-master.sh,
# bin/mesos-slave.sh (bin/mesos-agent.sh) and tests/real_agent/cluster.sh.
#
# find_mesos DIR: the Mesos in DIR, which is one of
#   PREFIX, with PREFIX/build/src/.libs/mesos-master   a build prefix
#   BUILD, with BUILD/src/.libs/mesos-master           a Mesos build directory
#   PREFIX, with PREFIX/sbin/mesos-master              an installed Mesos
# Sets mesos_libs (for LD_LIBRARY_PATH), mesos_master, mesos_agent
# (mesos-agent, or mesos-slave before 1.0), mesos_execute and
# mesos_launcher_dir (the agent's --launcher_dir). Returns 1 with mesos_error
# saying why not.
find_mesos() {
  local dir=${1%/} libs=
  mesos_error=
  if [ -x "$dir/build/src/.libs/mesos-master" ]; then
    libs=$dir/build/src/.libs mesos_launcher_dir=$dir/build/src
  elif [ -x "$dir/src/.libs/mesos-master" ]; then
    libs=$dir/src/.libs mesos_launcher_dir=$dir/src
  fi
  if [ -n "$libs" ]; then
    mesos_libs=$libs mesos_master=$libs/mesos-master mesos_execute=$libs/mesos-execute mesos_agent=$libs/mesos-agent
  elif [ -x "$dir/sbin/mesos-master" ]; then
    mesos_libs=$dir/lib:$dir/lib64 mesos_launcher_dir=$dir/libexec/mesos mesos_master=$dir/sbin/mesos-master
    mesos_execute=$dir/bin/mesos-execute mesos_agent=$dir/sbin/mesos-agent
  else
    mesos_error="$dir holds no mesos-master (build/src/.libs/, src/.libs/ or sbin/)"
    return 1
  fi
  # The agent was called a slave before 1.0.
  [ -x "$mesos_agent" ] || mesos_agent=${mesos_agent%-agent}-slave
  local bin
  for bin in "$mesos_agent" "$mesos_execute"; do
    [ -x "$bin" ] || { mesos_error="$dir: no $(basename "$bin") (an unfinished build?)"; return 1; }
  done
}

# The rest is for the scripts bin/mesos-*.sh, run from a checkout's bin/.
mesos_bin_dir=$(cd "$(dirname "$0")" && pwd)
mesos_script=$(basename "$0")
mesos_env=()  # NAME=VALUE for the Mesos program's environment

# mesos_from_settings: finds the Mesos MESOS_BUILD_DIR names (the
# environment, else bin/environment.sh, else environment.sh.dist), or exits
# with one line saying where to get one and how to point at it.
mesos_from_settings() {
  local settings=$mesos_bin_dir/environment.sh
  [ -f "$settings" ] || settings=$mesos_bin_dir/../environment.sh.dist
  [ -n "${MESOS_BUILD_DIR:-}" ] || MESOS_BUILD_DIR=$(. "$settings" >/dev/null 2>&1; echo "${MESOS_BUILD_DIR:-}")
  local how="set MESOS_BUILD_DIR (bin/environment.sh, a copy of environment.sh.dist, or the environment) to a Mesos build directory or install prefix; Mesos: https://mesos.apache.org/downloads/, built as https://mesos.apache.org/documentation/latest/building/"
  if [ -z "$MESOS_BUILD_DIR" ]; then
    echo "$mesos_script: no Mesos to run: $how" >&2
    exit 1
  fi
  find_mesos "$MESOS_BUILD_DIR" || { echo "$mesos_script: MESOS_BUILD_DIR: $mesos_error; $how" >&2; exit 1; }
}

# given NAME ARG...: the Mesos flag --NAME is among the ARGs (--NAME=V,
# --NAME V, --no-NAME) or in the environment (MESOS_NAME, as Mesos reads it).
given() {
  local name=$1 arg variable
  shift
  variable=MESOS_${name^^}
  [ -n "${!variable+x}" ] && return 0
  for arg in "$@"; do
    case $arg in --"$name"|--"$name"=*|--no-"$name") return 0 ;; esac
  done
  return 1
}

# mesos_version: the version of the Mesos found (mesos-master --version).
mesos_version() {
  LD_LIBRARY_PATH="$mesos_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$mesos_master" --version 2>/dev/null |
    awk '$1 == "mesos" {print $2; exit}'
}

# run_mesos PROGRAM ARG...: says what it runs, then replaces this script with
# PROGRAM (the caller's $! stays the Mesos program's pid), with the Mesos's
# libraries and mesos_env; MESOS_BUILD_DIR is no Mesos flag.
run_mesos() {
  local env=(LD_LIBRARY_PATH="$mesos_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "${mesos_env[@]}")
  echo "$mesos_script: running:$(printf ' %q' "${env[@]}" "$@")" >&2
  exec env -u MESOS_BUILD_DIR "${env[@]}" "$@"
}
