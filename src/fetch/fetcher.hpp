#pragma once
// docker-containerizer-fetch's work: every URI of a Launch into the sandbox
// (the working directory), one after the other.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fetch/uri.hpp"
#include "policy.hpp"
#include "run_argv.hpp"

namespace dc::fetch {

struct Options {
  std::string cache_dir;
  uint64_t cache_size = 0;
  double timeout_seconds = 0;     // per URI
  std::optional<UserIds> user;    // owns what is fetched; local files are read with its rights
  std::string mesos_fetcher;      // for other schemes; empty when the host has none
  policy::Policy host_paths;      // the local files URIs may name (CONTAINERIZER_HOST_VOLUMES)
};

// Checks every URI, then fetches each; throws dc::Error naming the URI and
// the cause. A failed URI leaves nothing of itself behind.
void fetch_all(const std::vector<Uri>& uris, const Options& options);

}  // namespace dc::fetch
