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

# Local URIs name host paths: CONTAINERIZER_HOST_VOLUMES decides (issue 26).
local=$(realpath "$T/local")
echo "from file uri" >"$local/a.txt"
echo "from plain path" >"$local/b.txt"
ln -s /etc/passwd "$local/passwd"
fetch_refused i10-shadow "uris { value: \"file:///etc/shadow\" }" \
  "host path '/etc/shadow' is refused (CONTAINERIZER_HOST_VOLUMES=none; a prefix holding it, or any, allows it)" \
  "by default a local URI is refused, naming the path and the setting"
fetch_refused i10-upper "uris { value: \"FILE://$local/a.txt\" }" "host path '$local/a.txt' is refused" \
  "so is one whose scheme is in capitals"
export CONTAINERIZER_HOST_VOLUMES=$local
call launch "$(fetch_frame i10-local "cat a.txt b.txt" "uris { value: \"file://$local/a.txt\" } uris { value: \"$local/b.txt\" }")"
equals "under an allowed prefix, file:// URIs and plain paths are copied" "from file uri
from plain path" "$(output_of i10-local)"
fetch_refused i10-outside "uris { value: \"/etc/passwd\" }" "host path '/etc/passwd' is outside CONTAINERIZER_HOST_VOLUMES ($local;" \
  "a local URI outside the prefixes is refused"
fetch_refused i10-link "uris { value: \"$local/passwd\" }" "host path '$local/passwd' (/etc/passwd) is outside" \
  "a link under the prefix is checked where it leads"
fetch_refused i10-dotdot "uris { value: \"$local/../local/../../../etc/passwd\" }" "(/etc/passwd) is outside" \
  "so is a path with .."
CONTAINERIZER_HOST_VOLUMES=any call launch "$(fetch_frame i10-any "cat passwd" "uris { value: \"/etc/passwd\" }")"
contains "any fetches every host file, as Mesos" "root:" "$(output_of i10-any)"
unset CONTAINERIZER_HOST_VOLUMES

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
echo secret >"$local/secret.txt"
chmod 600 "$local/secret.txt"
CONTAINERIZER_HOST_VOLUMES=$local fetch_refused i10-secret "uris { value: \"$local/secret.txt\" }" "Permission denied" \
  "a local file is read with the user's rights" 'user: "nobody"'

# A stand-in for the agent's mesos-fetcher, copying what 1.0.1's does
# (src/launcher/fetcher.cpp): it reads MESOS_FETCHER_INFO, fetches each
# BYPASS_CACHE item into sandbox_directory under the URI's basename, exits 0
# (1 on failure). Its "hdfs" is a local directory.
mkdir -p "$T/libexec" "$T/hdfs/jobs"
cp "$WWW/cached.tgz" "$T/hdfs/jobs/job.tgz"
cat >"$T/libexec/mesos-fetcher" <<PY
#!/usr/bin/env python3
import json, os, shutil
info = json.loads(os.environ["MESOS_FETCHER_INFO"])
for item in info["items"]:
    value = item["uri"]["value"]
    shutil.copy("$T/hdfs/" + value.split("/", 3)[3], os.path.join(info["sandbox_directory"], value.rsplit("/", 1)[1]))
PY
chmod +x "$T/libexec/mesos-fetcher"
MESOS_LIBEXEC_DIRECTORY=$T/libexec call launch "$(fetch_frame i10-other "cat cached/data.txt" "uris { value: \"hdfs://namenode/jobs/job.tgz\" }")"
equals "other schemes go through \$MESOS_LIBEXEC_DIRECTORY/mesos-fetcher, then are extracted" "cached data" "$(output_of i10-other)"
# One that leaves a link instead of a file: not taken, since an executable
# URI's chmod (as root) would follow it to the host file.
mkdir -p "$T/libexec-link"
echo victim >"$T/victim"
chmod 600 "$T/victim"
cat >"$T/libexec-link/mesos-fetcher" <<PY
#!/usr/bin/env python3
import json, os
info = json.loads(os.environ["MESOS_FETCHER_INFO"])
os.symlink("$T/victim", os.path.join(info["sandbox_directory"], "tool"))
PY
chmod +x "$T/libexec-link/mesos-fetcher"
MESOS_LIBEXEC_DIRECTORY=$T/libexec-link fetch_refused i10-other-link \
  "uris { value: \"hdfs://namenode/tool\" executable: true }" "mesos-fetcher left 0 files, not one" \
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
