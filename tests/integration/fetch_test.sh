#!/usr/bin/env bash
# Fetching CommandInfo URIs into the sandbox before the container starts,
# against a loopback HTTP server (fetch_server.py): every archive kind,
# executable, output_file, file:// and plain paths, HTTP failures, the cache
# (one request for many launches) and its eviction, hostile archives,
# ownership, other schemes, an Aurora-like executor, launch-container --uri.
source "$(dirname "$0")/lib.sh"
LC=$DC_ROOT/bin/launch-container
WWW=$T/www
mkdir -p "$WWW/aurora" "$T/local"
python3 "$DC_ROOT/tests/integration/fetch_server.py" "$WWW" "$T/port" "$T/requests.log" 2>"$T/server.err" &
eventually 20 test -s "$T/port" || { not_ok "the test HTTP server starts" "$(cat "$T/server.err")"; finish; }
URL=http://127.0.0.1:$(cat "$T/port")
# Each test's cache is its own, so runs never share entries.
export CONTAINERIZER_FETCH_CACHE_DIR=$T/cache

# requests PATH: how many requests the server had for PATH.
requests() { grep -cx "$1" "$T/requests.log"; }

# fetch_frame NAME COMMAND URIS [LAUNCH_TEXT]: a Launch running COMMAND (shell)
# in the test image with these `uris { ... }`.
fetch_frame() {
  exec_frame "$1" "command { value: \"$2\" $3 }
  container { type: DOCKER docker { image: \"$TEST_IMAGE\" } }
  resources { name: \"cpus\" type: SCALAR scalar { value: 0.2 } }
  resources { name: \"mem\" type: SCALAR scalar { value: 32 } }" "${4:-}"
}

# output_of NAME: waits for the container and prints its stdout.
output_of() { termination_of "$(cid "$1")" >/dev/null && cat "$(sandbox_of "$1")/stdout"; }

# fetch_refused NAME URIS NEEDLE DESCRIPTION [LAUNCH_TEXT]: the launch fails
# in one line that names the URI's cause (NEEDLE), starts no container, and
# leaves the sandbox with nothing but its log files.
fetch_refused() {
  call launch "$(fetch_frame "$1" "true" "$2" "${5:-}")"
  one_line $? fail "$3"
  docker inspect "$(name "$1")" >/dev/null 2>&1 && problems+=("a container is left")
  local files
  files=$(ls -A "$(sandbox_of "$1")" | sort | tr '\n' ' ')
  [ "$files" = "stderr stdout " ] || problems+=("sandbox holds: $files")
  verdict "$4"
}

# Archives of every kind, each holding a script that says which it is.
python3 - "$WWW" <<'PY'
import gzip, io, os, sys, tarfile, zipfile
www = sys.argv[1]
def member(tar, name, data=b"", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size, info.mode = kind, link, len(data), 0o755 if kind == tarfile.DIRTYPE else 0o644
    tar.addfile(info, io.BytesIO(data))
for name, mode in (("app.tar", "w"), ("app.tgz", "w:gz"), ("app.tar.gz", "w:gz"),
                   ("app.tar.bz2", "w:bz2"), ("app.tar.xz", "w:xz")):
    top = name.replace(".", "-")
    with tarfile.open(os.path.join(www, name), mode, format=tarfile.GNU_FORMAT) as tar:
        member(tar, "./", kind=tarfile.DIRTYPE)
        member(tar, "./%s/" % top, kind=tarfile.DIRTYPE)
        member(tar, "./%s/hello.sh" % top, b"echo from %s\n" % name.encode())
        member(tar, "./%s/current" % top, kind=tarfile.SYMTYPE, link="hello.sh")
with zipfile.ZipFile(os.path.join(www, "app.zip"), "w") as z:
    z.writestr("app-zip/hello.sh", b"echo from app.zip\n")
with gzip.open(os.path.join(www, "hello.sh.gz"), "wb") as g:
    g.write(b"echo from hello.sh.gz\n")
# Hostile archives: a harmless file first, then the entry that escapes.
for name, entry in (("evil-dotdot.tgz", dict(name="../i10-evil.txt", data=b"x")),
                    ("evil-absolute.tar", dict(name="/tmp/i10-evil-absolute.txt", data=b"x")),
                    ("evil-symlink.tar.gz", dict(name="etc", kind=tarfile.SYMTYPE, link="/etc")),
                    ("evil-chain.tar", dict(name="up", kind=tarfile.SYMTYPE, link="current/..")),
                    ("evil-hardlink.tar", dict(name="passwd", kind=tarfile.LNKTYPE, link="/etc/passwd"))):
    with tarfile.open(os.path.join(www, name), "w:gz" if name.endswith("gz") else "w") as tar:
        member(tar, "good.txt", b"harmless")
        if name == "evil-chain.tar":
            member(tar, "current", kind=tarfile.SYMTYPE, link=".")
        member(tar, **entry)
with tarfile.open(os.path.join(www, "cached.tgz"), "w:gz") as tar:
    member(tar, "cached/data.txt", b"cached data\n")
PY
printf 'echo tool ran\n' >"$WWW/tool"
head -c 100000 /dev/zero >"$WWW/big.bin"
head -c 2000 /dev/zero >"$WWW/evict-a.bin"
head -c 2000 /dev/zero >"$WWW/evict-b.bin"

kinds="app.tar app.tgz app.tar.gz app.tar.bz2 app.tar.xz app.zip hello.sh.gz"
uris= run=
for kind in $kinds; do uris+="uris { value: \"$URL/$kind\" } "; done
for top in app-tar app-tgz app-tar-gz app-tar-bz2 app-tar-xz app-zip; do run+="sh ./$top/hello.sh; "; done
call launch "$(fetch_frame i10-kinds "$run sh ./hello.sh; sh ./app-tgz/current" "$uris")"
expected=$(for kind in $kinds app.tgz; do echo "from $kind"; done)
equals "every archive kind is extracted and runs in the container" "$expected" "$(output_of i10-kinds 2>&1)"
check "an extracted archive itself is not kept" test ! -e "$(sandbox_of i10-kinds)/app.tgz"

call launch "$(fetch_frame i10-exec "./tool" "uris { value: \"$URL/tool\" executable: true }")"
equals "an executable URI runs" "tool ran" "$(output_of i10-exec)"
equals "executable sets the run bits" 755 "$(stat -c %a "$(sandbox_of i10-exec)/tool")"

call launch "$(fetch_frame i10-output "./bin/renamed" "uris { value: \"$URL/tool\" executable: true output_file: \"bin/renamed\" }")"
equals "output_file names the result, in a directory it makes" "tool ran" "$(output_of i10-output)"

# Local URIs are read with the rights of the Launch's user, nobody's for a
# root task or one with no user; root reads only under
# CONTAINERIZER_HOST_VOLUMES (issue 30 §5).
local=$(realpath "$T/local")
chmod 755 "$local"
echo "from file uri" >"$local/a.txt"
echo "from plain path" >"$local/b.txt"
ln -s /etc/shadow "$local/shadow"
echo secret >"$local/secret.txt"
chmod 600 "$local/secret.txt"
nobody="nobody (uid $(id -u nobody))"
call launch "$(fetch_frame i10-local "cat a.txt b.txt" "uris { value: \"file://$local/a.txt\" } uris { value: \"$local/b.txt\" }")"
equals "world-readable files come through file:// URIs and plain paths by default" "from file uri
from plain path" "$(output_of i10-local)"
call launch "$(fetch_frame i10-upper "cat a.txt" "uris { value: \"FILE://$local/a.txt\" }")"
equals "so through a scheme in capitals" "from file uri" "$(output_of i10-upper)"
# Aurora copies -thermos_executor_path, a world-readable .pex on every agent.
mkdir -p "$T/aurora-host"
chmod 755 "$T/aurora-host"
printf '#!/bin/sh\necho thermos executor ran\n' >"$T/aurora-host/thermos_executor.pex"
chmod 755 "$T/aurora-host/thermos_executor.pex"
for who in root nobody; do
  user=$([ $who = nobody ] && echo 'user: "nobody"')
  call launch "$(fetch_frame "i10-aurora-pex-$who" "./thermos_executor.pex" \
    "uris { value: \"$T/aurora-host/thermos_executor.pex\" executable: true }" "$user")"
  equals "Aurora's executor (a world-readable .pex) is fetched with default settings ($who task)" \
    "thermos executor ran" "$(output_of "i10-aurora-pex-$who")"
  fetch_refused "i10-secret-$who" "uris { value: \"$local/secret.txt\" }" \
    "cannot read $local/secret.txt as $nobody: Permission denied" \
    "a root-only file is refused ($who task), naming the user and the setting" "$user"
  fetch_refused "i10-shadow-$who" "uris { value: \"file:///etc/shadow\" }" "/etc/shadow as $nobody" \
    "so is /etc/shadow ($who task)" "$user"
  fetch_refused "i10-link-$who" "uris { value: \"$local/shadow\" }" "as $nobody: Permission denied" \
    "and a link to it ($who task)" "$user"
done
contains "the refusal names the setting that allows it" "CONTAINERIZER_HOST_VOLUMES" "$(cat "$T/err")"
chown nobody "$local/secret.txt"
call launch "$(fetch_frame i10-own "cat secret.txt" "uris { value: \"$local/secret.txt\" }" 'user: "nobody"')"
equals "a file only the task's user may read is fetched for that user" "secret" "$(output_of i10-own)"
chown root "$local/secret.txt"
mkfifo -m 644 "$local/fifo"
CONTAINERIZER_FETCH_TIMEOUT=5 fetch_refused i10-fifo "uris { value: \"$local/fifo\" }" "$local/fifo is not a regular file" \
  "a FIFO is refused at once, not waited on"
CONTAINERIZER_FETCH_TIMEOUT=5 CONTAINERIZER_HOST_VOLUMES=$local fetch_refused i10-fifo-root "uris { value: \"$local/fifo\" }" \
  "$local/fifo is not a regular file" "so when root reads it (under CONTAINERIZER_HOST_VOLUMES)"
CONTAINERIZER_HOST_VOLUMES=$local call launch "$(fetch_frame i10-prefix "cat secret.txt" \
  "uris { value: \"$local/secret.txt\" }" 'user: "nobody"')"
equals "under CONTAINERIZER_HOST_VOLUMES root reads it, as before" "secret" "$(output_of i10-prefix)"
CONTAINERIZER_HOST_VOLUMES=$local fetch_refused i10-prefix-link "uris { value: \"$local/shadow\" }" \
  "as $nobody: Permission denied" "a link under the prefix leading outside is read as the user"
CONTAINERIZER_HOST_VOLUMES=any call launch "$(fetch_frame i10-any "cat shadow" "uris { value: \"/etc/shadow\" }")"
contains "any fetches every host file, as Mesos" "root:" "$(output_of i10-any)"

call launch "$(fetch_frame i10-redirect "./tool" "uris { value: \"$URL/redirect/tool\" executable: true }")"
equals "redirects are followed" "tool ran" "$(output_of i10-redirect)"

fetch_refused i10-404 "uris { value: \"$URL/missing.tgz\" }" "'$URL/missing.tgz': HTTP status 404" \
  "a 404 fails the launch in one line naming the URI and the status"
fetch_refused i10-truncated "uris { value: \"$URL/truncate/big.bin\" }" "truncated download" \
  "a truncated download fails the launch and leaves no partial file"
fetch_refused i10-refused "uris { value: \"http://127.0.0.1:1/x.bin\" }" "'http://127.0.0.1:1/x.bin': " \
  "a refused connection fails the launch"
fetch_refused i10-later "uris { value: \"$URL/tool\" } uris { value: \"$URL/missing-too\" }" "404" \
  "a failed URI takes the ones fetched before it along"
CONTAINERIZER_FETCH_TIMEOUT=1 fetch_refused i10-stall "uris { value: \"$URL/stall/x.bin\" }" "timed out" \
  "a transfer beyond CONTAINERIZER_FETCH_TIMEOUT fails the launch"
fetch_refused i10-hdfs "uris { value: \"hdfs://namenode/x.tgz\" }" "scheme 'hdfs'" \
  "another scheme without mesos-fetcher is refused, naming the scheme"
for evil in evil-dotdot.tgz evil-absolute.tar evil-symlink.tar.gz evil-chain.tar evil-hardlink.tar; do
  fetch_refused "i10-$evil" "uris { value: \"$URL/$evil\" }" "outside the sandbox" "a hostile archive ($evil) is refused, nothing of it kept"
done
check "no hostile entry landed anywhere" test ! -e "$T/sandboxes/i10-evil.txt" -a ! -e /tmp/i10-evil-absolute.txt

cached="uris { value: \"$URL/cached.tgz\" cache: true }"
call launch "$(fetch_frame i10-cache-1 "cat cached/data.txt" "$cached")"
call launch "$(fetch_frame i10-cache-2 "cat cached/data.txt" "$cached")"
equals "a cached URI reaches the first launch" "cached data" "$(output_of i10-cache-1)"
equals "and the second" "cached data" "$(output_of i10-cache-2)"
equals "the second launch makes no request" 1 "$(requests /cached.tgz)"

cp "$WWW/cached.tgz" "$WWW/parallel.tgz"
for i in $(seq 1 20); do
  call_async "i10-par-$i" launch "$(fetch_frame "i10-par-$i" "cat cached/data.txt" "uris { value: \"$URL/parallel.tgz\" cache: true }")"
done
launched=0
for i in $(seq 1 20); do await_call "i10-par-$i" 120 && [ -f "$(sandbox_of "i10-par-$i")/cached/data.txt" ] && launched=$((launched + 1)); done
equals "twenty parallel launches of one cached URI all get it" 20 "$launched"
equals "and make one request" 1 "$(requests /parallel.tgz)"

equals "the cache directory is 0700" 700 "$(stat -c %a "$T/cache")"
# Entries are keyed by the user and the URI, and a hit compares the URI
# stored with the entry (issue 37 §3).
cp "$WWW/cached.tgz" "$WWW/users.tgz"
for who in root nobody root; do
  user=$([ $who = nobody ] && echo 'user: "nobody"')
  call launch "$(fetch_frame "i10-users-$who-$RANDOM" "true" "uris { value: \"$URL/users.tgz\" cache: true }" "$user")" ||
    not_ok "launch fetching users.tgz as $who" "$(cat "$T/err")"
done
equals "two users of one URI get an entry each" "2 2" "$(requests /users.tgz) $(ls "$T/cache/entries" | grep -c users.tgz)"
for stamp in "$T/cache/uris/"*users.tgz; do printf '0\nhttp://elsewhere/users.tgz' >"$stamp"; done
call launch "$(fetch_frame i10-stamp "cat cached/data.txt" "uris { value: \"$URL/users.tgz\" cache: true }")"
equals "an entry stored for another URI is a miss" "3 cached data" "$(requests /users.tgz) $(output_of i10-stamp)"

# Sizes (issue 37 §3): downloads, the cache, extraction.
CONTAINERIZER_FETCH_MAX_SIZE=50000 fetch_refused i10-max "uris { value: \"$URL/big.bin\" }" \
  "more than 50000 bytes (CONTAINERIZER_FETCH_MAX_SIZE)" "a download beyond CONTAINERIZER_FETCH_MAX_SIZE is refused"
CONTAINERIZER_FETCH_MAX_SIZE=50000 fetch_refused i10-max-cached "uris { value: \"$URL/big.bin\" cache: true }" \
  "more than 50000 bytes (CONTAINERIZER_FETCH_MAX_SIZE)" "so is a cached one"
CONTAINERIZER_FETCH_CACHE_SIZE=50000 call launch "$(fetch_frame i10-uncached "wc -c <big.bin" \
  "uris { value: \"$URL/big.bin\" cache: true }")"
equals "a download larger than the whole cache is fetched, not cached" "100000 0 0" \
  "$(output_of i10-uncached | tr -d ' ') $(ls "$T/cache/entries" | grep -c big.bin) $(ls -A "$T/cache/partial" | wc -l)"
python3 - "$WWW" <<'PY'
import gzip, io, os, sys, tarfile, zipfile
www = sys.argv[1]
zeros = b"\0" * (20 << 20)
with gzip.open(os.path.join(www, "zeros.bin.gz"), "wb") as g:
    g.write(zeros)
with tarfile.open(os.path.join(www, "zeros.tgz"), "w:gz") as tar:
    info = tarfile.TarInfo("zeros.bin")
    info.size = len(zeros)
    tar.addfile(info, io.BytesIO(zeros))
with zipfile.ZipFile(os.path.join(www, "many.zip"), "w") as z:
    for i in range(2000):
        z.writestr("many/%d" % i, b"")
PY
export CONTAINERIZER_FETCH_EXTRACT_MAX_SIZE=1000000 CONTAINERIZER_FETCH_EXTRACT_MAX_ENTRIES=1000
fetch_refused i10-gzip-bomb "uris { value: \"$URL/zeros.bin.gz\" }" \
  "more than 1000000 bytes (CONTAINERIZER_FETCH_EXTRACT_MAX_SIZE)" "a gzip bomb is refused, nothing of it kept"
fetch_refused i10-tar-bomb "uris { value: \"$URL/zeros.tgz\" }" \
  "more than 1000000 bytes (CONTAINERIZER_FETCH_EXTRACT_MAX_SIZE)" "so is a tar whose entries declare more"
fetch_refused i10-zip-entries "uris { value: \"$URL/many.zip\" }" \
  "more than 1000 entries (CONTAINERIZER_FETCH_EXTRACT_MAX_ENTRIES)" "and a zip with too many entries"
unset CONTAINERIZER_FETCH_EXTRACT_MAX_SIZE CONTAINERIZER_FETCH_EXTRACT_MAX_ENTRIES

# Loopback and link-local addresses, for operators who block them (issue 37 §4).
export CONTAINERIZER_FETCH_DENY_LOCAL_ADDRESSES=true
fetch_refused i10-loopback "uris { value: \"$URL/tool\" }" \
  "refused to connect to 127.0.0.1, a loopback or link-local address (CONTAINERIZER_FETCH_DENY_LOCAL_ADDRESSES)" \
  "with CONTAINERIZER_FETCH_DENY_LOCAL_ADDRESSES a loopback address is refused"
fetch_refused i10-localhost "uris { value: \"http://localhost:${URL##*:}/tool\" }" "a loopback or link-local address" \
  "so is a name that resolves to one"
fetch_refused i10-metadata "uris { value: \"http://169.254.169.254/latest/meta-data/\" output_file: \"m\" }" \
  "refused to connect to 169.254.169.254" "and a link-local one"
outside=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -m1 -E '^[0-9.]+$' || true)
if [ -n "$outside" ]; then
  FETCH_SERVER_BIND=$outside python3 "$DC_ROOT/tests/integration/fetch_server.py" "$WWW" "$T/outside-port" \
    "$T/requests.log" 2>"$T/outside-server.err" &
  eventually 20 test -s "$T/outside-port"
  OUTSIDE=http://$outside:$(cat "$T/outside-port")
  fetch_refused i10-redirect-local "uris { value: \"$OUTSIDE/elsewhere/127.0.0.1:${URL##*:}/tool\" output_file: \"tool\" }" \
    "refused to connect to 127.0.0.1" "a redirect to a loopback address is refused"
  unset CONTAINERIZER_FETCH_DENY_LOCAL_ADDRESSES
  call launch "$(fetch_frame i10-redirect-ok "./tool" \
    "uris { value: \"$OUTSIDE/elsewhere/127.0.0.1:${URL##*:}/tool\" output_file: \"tool\" executable: true }")"
  equals "which is followed without the setting" "tool ran" "$(output_of i10-redirect-ok)"
else
  ok "# SKIP no address other than loopback to redirect from"
fi
unset CONTAINERIZER_FETCH_DENY_LOCAL_ADDRESSES

# Credentials in a URI never reach a log line.
creds=${URL/http:\/\//http://someone:secretpw@}
call launch "$(fetch_frame i10-creds "./tool" "uris { value: \"$creds/tool\" executable: true }")"
cp "$T/err" "$T/creds.err"
equals "a URI with credentials is fetched" "tool ran" "$(output_of i10-creds)"
contains "and logged without them" "http://***@127.0.0.1" "$(cat "$T/creds.err")"
fetch_refused i10-creds-404 "uris { value: \"$creds/missing\" }" "'http://***@127.0.0.1:${URL##*:}/missing': HTTP status 404" \
  "a refusal names the URI without them"
check "no log line holds the password" test "$(cat "$T/creds.err" "$T/err" | grep -c secretpw)" = 0

# Links planted in the sandbox before the fetch are not followed.
echo victim >"$T/victim2"
chmod 600 "$T/victim2"
mkdir -p "$T/hostdir"
ln -s "$T/victim2" "$(new_sandbox i10-planted)/tool"
ln -s "$T/hostdir" "$(new_sandbox i10-planted-dir)/bin"
ln -s "$T/hostdir" "$(new_sandbox i10-planted-tgz)/app-tgz"
call launch "$(fetch_frame i10-planted "./tool" "uris { value: \"$URL/tool\" executable: true }")"
equals "a link where a URI lands is replaced, not written through" "tool ran 600 victim" \
  "$(output_of i10-planted) $(stat -c %a "$T/victim2") $(cat "$T/victim2")"
call launch "$(fetch_frame i10-planted-dir "true" "uris { value: \"$URL/tool\" output_file: \"bin/tool\" }")"
one_line $? fail "'bin' in the sandbox is not a directory"
verdict "a link where a URI's directory would be is refused"
call launch "$(fetch_frame i10-planted-tgz "true" "uris { value: \"$URL/app.tgz\" }")" ||
  not_ok "launch extracting app.tgz" "$(cat "$T/err")"
check "an archive's directory replaces a planted link (libarchive's symlink checks)" \
  test -d "$(sandbox_of i10-planted-tgz)/app-tgz" -a ! -L "$(sandbox_of i10-planted-tgz)/app-tgz"
equals "nothing landed in the linked host directory" "" "$(ls -A "$T/hostdir")"

export CONTAINERIZER_FETCH_CACHE_SIZE=3000
for step in a b a; do
  call launch "$(fetch_frame "i10-evict-$step-$RANDOM" "true" "uris { value: \"$URL/evict-$step.bin\" cache: true }")" ||
    not_ok "launch fetching evict-$step.bin" "$(cat "$T/err")"
done
equals "beyond CONTAINERIZER_FETCH_CACHE_SIZE the least recently used entry goes" "2 1" \
  "$(requests /evict-a.bin) $(requests /evict-b.bin)"
check "the cache stays within its size" test "$(cat "$T/cache/entries/"* | wc -c)" -le 3000
unset CONTAINERIZER_FETCH_CACHE_SIZE

uid=$(id -u nobody)
call launch "$(fetch_frame i10-owner "cat cached/data.txt" "$cached uris { value: \"$URL/tool\" }" 'user: "nobody"')"
equals "fetched files belong to the Launch's user" "$uid $uid $uid" \
  "$(stat -c %u "$(sandbox_of i10-owner)"/{tool,cached,cached/data.txt} | tr '\n' ' ' | sed 's/ $//')"
equals "the user's container reads them" "cached data" "$(output_of i10-owner)"

# A stand-in for the agent's mesos-fetcher, copying what 1.0.1's does
# (src/launcher/fetcher.cpp): it reads MESOS_FETCHER_INFO, trims the URI's
# leading whitespace, copies a local one (file:// or no scheme), fetches
# others into sandbox_directory under the URI's basename, exits 0 (1 on
# failure). Its "hdfs" is a local directory. It records who ran it.
mkdir -p "$T/libexec" "$T/hdfs/jobs"
chmod -R 755 "$T/libexec" "$T/hdfs"
cp "$WWW/cached.tgz" "$T/hdfs/jobs/job.tgz"
chmod 644 "$T/hdfs/jobs/job.tgz"
echo "from s3a" >"$T/hdfs/s3a.txt"
chmod 644 "$T/hdfs/s3a.txt"
touch "$T/fetcher-runs"
chmod 666 "$T/fetcher-runs"
cat >"$T/libexec/mesos-fetcher" <<PY
#!/usr/bin/env python3
import json, os, shutil
info = json.loads(os.environ["MESOS_FETCHER_INFO"])
for item in info["items"]:
    value = item["uri"]["value"].lstrip()
    with open("$T/fetcher-runs", "a") as runs:
        runs.write("%d:%d %s\n" % (os.getuid(), os.getgid(), value))
    name = os.path.join(info["sandbox_directory"], value.rsplit("/", 1)[1])
    if value.startswith("file://") or "://" not in value:
        shutil.copy(value[len("file://"):] if value.startswith("file://") else value, name)
    else:
        shutil.copy("$T/hdfs/" + value.split("/", 3)[3], name)
PY
chmod 755 "$T/libexec/mesos-fetcher"
# fetcher_runs: what the stand-in was handed since the last look.
fetcher_runs() { cat "$T/fetcher-runs"; : >"$T/fetcher-runs"; }
export MESOS_LIBEXEC_DIRECTORY=$T/libexec
fetch_refused i10-space "uris { value: \" file:///etc/shadow\" }" "whitespace or a control character" \
  "a URI with a leading space is refused (Mesos's fetcher would trim it and copy the file as root)"
fetch_refused i10-control "uris { value: \"http://h/a\\nb\" }" "whitespace or a control character" \
  "so is one with a control character"
fetch_refused i10-smuggle "uris { value: \"hdfs://nn/a.tgz+0N file:///etc/shadow\" }" "whitespace" \
  "and one that would be two URIs to 0.20's fetcher"
for uri in "s3a://bucket/s3a.txt" "HDFS://namenode/jobs/job.tgz" "gopher://h/x" "fi.le://h/x"; do
  fetch_refused "i10-scheme-$RANDOM" "uris { value: \"$uri\" }" "is not fetched here (CONTAINERIZER_FETCH_MESOS_FETCHER_SCHEMES)" \
    "a scheme not in the allow-list ($uri) is refused"
done
equals "and none of them reached mesos-fetcher" "" "$(fetcher_runs)"
call launch "$(fetch_frame i10-other "cat cached/data.txt" "uris { value: \"hdfs://namenode/jobs/job.tgz\" }")"
equals "other schemes go through \$MESOS_LIBEXEC_DIRECTORY/mesos-fetcher, then are extracted" "cached data" "$(output_of i10-other)"
equals "mesos-fetcher runs as nobody for a root task" "$(id -u nobody):$(id -g nobody) hdfs://namenode/jobs/job.tgz" \
  "$(fetcher_runs)"
call launch "$(fetch_frame i10-other-user "cat cached/data.txt" "uris { value: \"hdfs://namenode/jobs/job.tgz\" }" \
  'user: "nobody"')"
equals "and as the task's user for a user's task" "$(id -u nobody):$(id -g nobody) hdfs://namenode/jobs/job.tgz" \
  "$(fetcher_runs)"
CONTAINERIZER_FETCH_MESOS_FETCHER_SCHEMES=hdfs,s3a call launch "$(fetch_frame i10-s3a "cat s3a.txt" \
  "uris { value: \"s3a://bucket/s3a.txt\" }")"
equals "the operator extends the allow-list" "from s3a" "$(output_of i10-s3a)"
fetcher_runs >/dev/null
unset MESOS_LIBEXEC_DIRECTORY
# One that leaves a link instead of a file: not taken, since an executable
# URI's chmod (as root) would follow it to the host file.
mkdir -p "$T/libexec-link"
chmod 755 "$T/libexec-link"
echo victim >"$T/victim"
chmod 600 "$T/victim"
cat >"$T/libexec-link/mesos-fetcher" <<PY
#!/usr/bin/env python3
import json, os
info = json.loads(os.environ["MESOS_FETCHER_INFO"])
os.symlink("$T/victim", os.path.join(info["sandbox_directory"], "tool"))
PY
chmod 755 "$T/libexec-link/mesos-fetcher"
MESOS_LIBEXEC_DIRECTORY=$T/libexec-link fetch_refused i10-other-link \
  "uris { value: \"hdfs://namenode/tool\" executable: true }" "mesos-fetcher left 1 entries, not one regular file" \
  "a link mesos-fetcher leaves is refused"
equals "the file it pointed to kept its mode" 600 "$(stat -c %a "$T/victim")"

# Aurora ships its executor through URIs and runs it from the sandbox.
printf '#!/bin/sh\necho "thermos running $(cat thermos_executor.pex) in $MESOS_SANDBOX"\n' >"$WWW/aurora/run.sh"
echo "the pex" >"$WWW/aurora/thermos_executor.pex"
call launch "$(fetch_frame i10-aurora "./run.sh" "uris { value: \"$URL/aurora/run.sh\" executable: true } uris { value: \"$URL/aurora/thermos_executor.pex\" }")"
equals "an Aurora-like executor fetched into the sandbox runs in the container" \
  "thermos running the pex in /mnt/mesos/sandbox" "$(output_of i10-aurora)"

# https: the server's certificate is verified, against CURL_CA_BUNDLE when set.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$T/tls.key" -out "$T/tls.crt" 2>/dev/null
python3 "$DC_ROOT/tests/integration/fetch_server.py" "$WWW" "$T/tls-port" "$T/requests.log" "$T/tls.crt" "$T/tls.key" \
  2>"$T/tls-server.err" &
eventually 20 test -s "$T/tls-port"
TLS=https://127.0.0.1:$(cat "$T/tls-port")
fetch_refused i10-tls-untrusted "uris { value: \"$TLS/tool\" }" "certificate" "an https certificate no CA vouches for is refused"
CURL_CA_BUNDLE=$T/tls.crt call launch "$(fetch_frame i10-tls "./tool" "uris { value: \"$TLS/tool\" executable: true }")"
equals "https is fetched when CURL_CA_BUNDLE trusts the certificate" "tool ran" "$(output_of i10-tls)"

"$LC" --image "$TEST_IMAGE" --id "$(cid i10-lc)" --uri "$URL/tool,executable" --uri "$URL/cached.tgz,cache" -- \
  './tool; cat cached/data.txt' >"$T/lc.out" 2>"$T/lc.err"
equals "launch-container --uri fetches" "tool ran
cached data" "$(cat "$T/lc.out")"
finish
