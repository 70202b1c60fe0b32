#pragma once
// What a CommandInfo.URI asks for, decided without I/O: where its bytes come
// from, the name it gets in the sandbox, whether it is an archive, and which
// archive entries may be written. Pure, so every rule is unit-tested.
#include <optional>
#include <string>
#include <vector>

#include "containerizer.pb.h"

namespace dc::fetch {

using Uri = mesos::CommandInfo::URI;

// Every URI of the task's command, then of the executor's, each once: the
// agent copies a command task's URIs into the executor it generates.
std::vector<Uri> uris_of(const mesos::containerizer::Launch& launch);

// Throws dc::Error for a value with whitespace or a control character
// anywhere: Mesos's fetchers trim a leading space before they look at the
// scheme (1.0.1, 0.28.2), and 0.20's splits MESOS_EXECUTOR_URIS on spaces,
// so such a value means one thing here and another there.
void validate(const std::string& value);

enum class Scheme { local, http, other };

// By the scheme matched exactly (^[A-Za-z][A-Za-z0-9+.-]*://, any case):
// local: file:// or no scheme at all (a path); http: http:// and https://.
Scheme scheme_of(const std::string& value);
// The scheme's name as written ("hdfs"), empty for a path.
std::string scheme_name(const std::string& value);
// The value for logs and refusals: without the user:password@ of its
// authority, and whitespace, control bytes, bytes past ASCII and '\' as \xNN.
std::string redacted(const std::string& value);
// file:///x and file://localhost/x -> /x; a plain absolute path as it is.
// Throws dc::Error for a relative path or a file URI naming another host.
std::string local_path(const std::string& value);

// Where the URI lands, relative to the sandbox: output_file, else the last
// segment of the URI's path (for http without its ?query or #fragment).
// Throws dc::Error when there is none or it would leave the sandbox.
std::string output_path(const Uri& uri);

enum class Archive { none, tar, zip, gzip };
// By the name's ending: .tar, .tgz, .tar.gz, .tbz2, .tar.bz2, .txz, .tar.xz
// (tar), .zip, and a plain .gz.
Archive archive_of(const std::string& name);
// A plain .gz's result: the name without ".gz".
std::string gunzipped_path(const std::string& name);

// An archive entry's name made relative to the sandbox ("./a//b/" -> "a/b",
// "./" -> ""), or nullopt when it is absolute or has a ".." component.
std::optional<std::string> entry_path(const std::string& name);
// A symbolic link at `entry` (an entry_path) may point to `target`: relative,
// its ".." components only leading and no more of them than `entry` has
// directories above it. Links made by archives that pass this check can
// never, however they chain, resolve outside the sandbox.
bool link_stays_inside(const std::string& entry, const std::string& target);

}  // namespace dc::fetch
