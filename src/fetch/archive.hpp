#pragma once
// Extraction with libarchive (no tar or unzip processes), into the working
// directory, which is the sandbox.
#include <string>

#include "fetch/placed.hpp"
#include "fetch/uri.hpp"

namespace dc::fetch {

// Extracts the archive of `kind` read from `fd`; `name` is its path in the
// sandbox (a plain .gz becomes `name` without ".gz"). Every entry is checked
// before any is written: one that would land outside the sandbox (absolute,
// "..", a link pointing out), or is no file, directory or link, refuses the
// whole archive. Throws dc::Error naming the entry or libarchive's complaint.
void extract(int fd, Archive kind, const std::string& name, Placed& placed);

}  // namespace dc::fetch
