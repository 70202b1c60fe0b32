#!/usr/bin/env bash
# Sandbox log rotation (issue 13): with CONTAINERIZER_LOG_MAX_SIZE the init
# carries the task's output through pipes and rotates stdout and stderr
# (at most KEEP+1 files each, no line lost, duplicated or torn among those
# kept, tail -F follows); without it the task writes the files itself; a
# task user who cannot write the sandbox is refused before anything starts.
source "$(dirname "$0")/lib.sh"

# Kept after their end, for docker inspect; rotation off until said.
export CONTAINERIZER_REMOVE_DELAY=600
unset CONTAINERIZER_LOG_MAX_SIZE CONTAINERIZER_LOG_KEEP
MiB=1048576
# Lines 1..N of seq are 50 MiB (52.5 MB).
N=6700000

# fd_of NAME FD: where fd FD of the task's shell pointed, as it printed it.
fd_of() { sed -n "s|.*/proc/[0-9]*/fd/$2 -> ||p" "$(sandbox_of "$1")/${3:-stdout}"; }
init_args() { docker inspect -f '{{join .Args " "}}' "$(name "$1")"; }
ended() { contains "$2" "status: 0" "$(termination_of "$(cid "$1")")"; }

# files NAME STREAM: the stream's files in the sandbox, oldest first.
files() {
  local dir
  dir=$(sandbox_of "$1")
  ls "$dir" | grep -E "^$2(\.[0-9]+)?\$" | sort -t. -k2,2nr | sed "s|^|$dir/|"
}
# consecutive FIRST_MAX LAST FILE...: the files together are the lines K..LAST
# of seq, for some K <= FIRST_MAX: nothing lost, duplicated or torn between
# the first line kept and the last one written.
consecutive() {
  local first_max=$1 last=$2
  shift 2
  cat "$@" | awk -v first_max="$first_max" -v last="$last" '
    !/^[0-9]+$/ { print "torn line " NR ": " $0; exit 1 }
    NR == 1 { if ($0 + 0 > first_max) { print "first line " $0 " > " first_max; exit 1 } prev = $0; next }
    $0 != prev + 1 { print "line " NR ": " $0 " after " prev; exit 1 }
    { prev = $0 }
    END { if (prev != last) { print "last line " prev ", not " last; exit 1 } }'
}
# sizes_within MIN MAX FILE...: each file's size in [MIN, MAX].
sizes_within() {
  local min=$1 max=$2 size
  shift 2
  for f in "$@"; do
    size=$(stat -c %s "$f")
    [ "$size" -ge "$min" ] && [ "$size" -le "$max" ] || { echo "$f: $size bytes"; return 1; }
  done
}
# rotated_well NAME STREAM KEEP SIZE LAST: KEEP+1 files of STREAM, the
# rotated ones within a line of SIZE (+ 64 KiB at most), holding the tail of
# seq 1 LAST without a gap.
rotated_well() {
  local list=() what="$2 of $1"
  mapfile -t list < <(files "$1" "$2")
  equals "$what: KEEP+1 files ($2, $2.1 ... $2.$3)" "$(($3 + 1))" "${#list[@]}"
  check "$what: no $2.$(($3 + 1))" test ! -e "$(sandbox_of "$1")/$2.$(($3 + 1))"
  check "$what: rotated files hold SIZE, to a line" sizes_within $(($4 - 16)) $(($4 + 65536)) "${list[@]:0:${#list[@]}-1}"
  check "$what: the last lines are all there, in order, once, whole" consecutive "$5" "$5" "${list[@]}"
}

# --- off: the task writes the files itself ------------------------------------
start direct 'ls -l /proc/$$/fd/1 /proc/$$/fd/2' && ended direct "rotation off: the task runs"
equals "rotation off: the task's stdout is the sandbox file, no pipe" /mnt/mesos/sandbox/stdout "$(fd_of direct 1)"
equals "rotation off: so is its stderr" /mnt/mesos/sandbox/stderr "$(fd_of direct 2)"
args=$(init_args direct)
case $args in
  *--stdout*--log-*) not_ok "rotation off: the init gets no rotation options" "$args" ;;
  *--stdout*) ok "rotation off: the init gets no rotation options" ;;
  *) not_ok "rotation off: the init gets no rotation options" "no --stdout: $args" ;;
esac

# --- on: 50 MiB in each stream, 1 MiB files, KEEP 3 ---------------------------
export CONTAINERIZER_LOG_MAX_SIZE=1M CONTAINERIZER_LOG_KEEP=3
start piped 'ls -l /proc/$$/fd/1 /proc/$$/fd/2' && ended piped "rotation on: the task runs"
contains "rotation on: the task's stdout is a pipe" "pipe:" "$(fd_of piped 1)"
contains "rotation on: so is its stderr" "pipe:" "$(fd_of piped 2)"
contains "rotation on: the init gets the size in bytes and KEEP" "--log-max-size $MiB --log-keep 3 --" \
  "$(init_args piped)"

big=$(new_sandbox big)
touch "$big/stdout"
# Follows the name as an operator would, across every rotation.
tail -F -n +1 "$big/stdout" >"$T/followed" 2>/dev/null &
follower=$!
start big "seq 1 $N & seq 1 $N >&2; wait" && ended big "50 MiB to stdout and to stderr at once"
rotated_well big stdout 3 $MiB $N
rotated_well big stderr 3 $MiB $N
check "tail -F followed stdout through 50 rotations to the last line" eventually 60 grep -qx "$N" "$T/followed"
kill "$follower" 2>/dev/null

# KEEP 0: the file starts over, nothing kept.
CONTAINERIZER_LOG_MAX_SIZE=10K CONTAINERIZER_LOG_KEEP=0 start none 'seq 1 20000' && ended none "KEEP 0: the task runs"
equals "KEEP 0: one file" "$(sandbox_of none)/stdout" "$(files none stdout)"
check "KEEP 0: holding the last lines whole" consecutive 20000 20000 "$(sandbox_of none)/stdout"

# --- the task's user must be able to write the sandbox ------------------------
nobody=$(id -u nobody)
new_sandbox refused >/dev/null
refused "a sandbox the task's user cannot write is refused, naming the setting" \
  "needs the sandbox $(sandbox_of refused) writable by the task's user (uid $nobody)" "$(cid refused)" \
  "$(launch_frame "$(cid refused)" "$(sandbox_of refused)" true '' 'user: "nobody"')"
chown nobody "$(new_sandbox owned)"
CONTAINERIZER_LOG_MAX_SIZE=10K start owned 'seq 1 20000' '' 'user: "nobody"' &&
  ended owned "a sandbox owned by the task's user rotates"
rotated_well owned stdout 3 10240 20000
equals "rotated files belong to the task's user" "$nobody" "$(stat -c %u "$(sandbox_of owned)/stdout.1")"

# --- settings ------------------------------------------------------------------
bad=$(launch_frame "$(cid bad)" "$(new_sandbox bad)" true)
for value in 10X -1 1.5M 99999999999999999999; do
  CONTAINERIZER_LOG_MAX_SIZE=$value call launch "$bad"
  rc=$?
  equals "CONTAINERIZER_LOG_MAX_SIZE=$value is refused in one line" "1 1 0" \
    "$rc $(wc -l <"$T/err") $(wc -c <"$T/out")"
  contains "naming the setting" "CONTAINERIZER_LOG_MAX_SIZE must be a size like 10M" "$(cat "$T/err")"
done
finish
