#!/usr/bin/env bash
# The state directory full or unwritable (a small tmpfs): launch fails in
# one clear line, starts no container and leaves no record; once space is
# back, a launch works.
source "$(dirname "$0")/lib.sh"

export CONTAINERIZER_STATE_DIR=$T/state
mkdir -p "$CONTAINERIZER_STATE_DIR"
mount -t tmpfs -o size=512k,mode=755 i12-state "$CONTAINERIZER_STATE_DIR" ||
  { not_ok "a small tmpfs for the state directory"; finish; }
# Containers bind-mount their run directory from it: gone before the unmount.
on_exit "docker ps -aq --filter 'label=docker-containerizer.work-directory=$MESOS_WORK_DIRECTORY' | xargs -r docker rm -f -v >/dev/null 2>&1; umount -l '$CONTAINERIZER_STATE_DIR'"

none_on_engine() { [ -z "$(docker ps -aq --filter "label=docker-containerizer.container-id=$(cid "$1")")" ]; }
no_record() { [ ! -e "$CONTAINERIZER_STATE_DIR/containers/$(cid "$1")" ] && [ -z "$(ls "$CONTAINERIZER_STATE_DIR/containers" | grep -v -- "-full$")" ]; }

# fails_cleanly DESCRIPTION NAME REASON: a launch of NAME fails in one line
# giving REASON, with no container and no record.
fails_cleanly() {
  if call launch "$(launch_frame "$(cid "$2")" "$(new_sandbox "$2")" "exit 0")"; then
    not_ok "$1" "launch succeeded"
  elif [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "$3" "$T/err" && none_on_engine "$2" && no_record "$2"; then
    ok "$1"
  else
    not_ok "$1" "stderr: $(cat "$T/err")" "records: $(ls "$CONTAINERIZER_STATE_DIR/containers" 2>/dev/null)"
  fi
}

mkdir -p "$CONTAINERIZER_STATE_DIR/containers"
dd if=/dev/zero of="$CONTAINERIZER_STATE_DIR/filler" bs=4k 2>/dev/null
fails_cleanly "launch into a full state directory fails cleanly" full "No space left on device"
rm -f "$CONTAINERIZER_STATE_DIR/filler"
check "after space is freed, the same container launches" start full "exit 5"
contains "and runs to its end" "status: 1280" "$(termination_of "$(cid full)")"

mount -o remount,ro "$CONTAINERIZER_STATE_DIR"
fails_cleanly "launch into a read-only state directory fails cleanly" readonly "Read-only file system"
mount -o remount,rw "$CONTAINERIZER_STATE_DIR"
check "once writable again, it launches" start readonly "exit 0"
contains "and runs" "status: 0" "$(termination_of "$(cid readonly)")"
finish
