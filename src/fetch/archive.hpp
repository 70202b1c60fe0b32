#pragma once
// Extraction with libarchive (no tar or unzip processes), into the working
// directory, which is the sandbox.
#include <chrono>
#include <cstdint>
#include <string>

#include "fetch/placed.hpp"
#include "fetch/uri.hpp"

namespace dc::fetch {

// What one extraction may do: zip and gzip bombs stop here.
struct Extraction {
  uint64_t max_bytes = 0;    // written, all entries together (CONTAINERIZER_FETCH_EXTRACT_MAX_SIZE)
  uint64_t max_entries = 0;  // CONTAINERIZER_FETCH_EXTRACT_MAX_ENTRIES
  std::chrono::steady_clock::time_point deadline;  // the URI's (CONTAINERIZER_FETCH_TIMEOUT)
};

// Extracts the archive of `kind` read from `fd`; `name` is its path in the
// sandbox (a plain .gz becomes `name` without ".gz"). Every entry is checked
// before any is written: one that would land outside the sandbox (absolute,
// "..", a link pointing out), or is no file, directory or link, refuses the
// whole archive, and so do more entries than the limit or sizes declared
// beyond it. Bytes are counted again as they are written, and the deadline
// checked at every block. Throws dc::Error naming the entry, the limit or
// libarchive's complaint.
void extract(int fd, Archive kind, const std::string& name, Placed& placed, const Extraction& limits);

}  // namespace dc::fetch
