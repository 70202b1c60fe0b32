#pragma once
// docker-containerizer-fetch's work: every URI of a Launch into the sandbox
// (the working directory), one after the other.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fetch/uri.hpp"
#include "plan/policy.hpp"
#include "base/types.hpp"

namespace dc::fetch {

struct Options {
  std::string cache_dir;
  uint64_t cache_size = 0;
  double timeout_seconds = 0;     // per URI: its download and its extraction
  uint64_t max_size = 0;          // bytes one URI may download
  uint64_t extract_max_size = 0;  // bytes one archive may write
  uint64_t extract_max_entries = 0;
  bool deny_local_addresses = false;
  std::optional<UserIds> user;    // owns what is fetched; local files are read with its rights
  std::string mesos_fetcher;      // for other schemes; empty when the host has none
  std::vector<std::string> mesos_fetcher_schemes;  // the schemes it may be handed
  policy::Policy host_paths;      // local files read as root (CONTAINERIZER_HOST_VOLUMES)
  std::string ca_file;            // CAs besides the system's (Transfer::ca_file)
};

// Checks every URI, then fetches each; throws dc::Error naming the URI and
// the cause. A failed URI leaves nothing of itself behind.
void fetch_all(const std::vector<Uri>& uris, const Options& options);

}  // namespace dc::fetch
