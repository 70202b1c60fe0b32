#pragma once
// The types that the planner, the docker CLI wrapper, the state store and
// the fetcher share: here, so that none of them includes another for them.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dc {

using Environment = std::map<std::string, std::string>;

struct UserIds {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // supplementary groups of the user on the host
};

// The image's own ENTRYPOINT and CMD, needed when the command has no value.
struct ImageCommand {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
};

// What `docker image inspect` told of the image about to run.
struct Image {
  std::string id;                         // sha256:... of its config
  std::vector<std::string> repo_digests;  // repository@sha256:... of its registry manifests
  ImageCommand command;
};

}  // namespace dc
