#pragma once
// Images and registries: the image a container runs is inspected before
// `docker run` (its id and registry digest pin what runs) and pulled first
// when absent or forced, with the credentials that apply (the sandbox's,
// else the operator's CONTAINERIZER_DOCKER_CONFIG), its progress shown a
// line every few seconds.
#include <optional>
#include <string>
#include <vector>

#include "base/settings.hpp"
#include "docker/docker.hpp"
#include "plan/run_argv.hpp"

namespace dc::registry {

// The registry an image name points at: its first component when that
// looks like a host (a '.' or ':', or localhost), else docker.io.
std::string registry_of(const std::string& image);

// A docker config.json holding only the registry credentials of `text`, a
// config.json or the older .dockercfg form: a framework's file must not
// bring credential helpers, plugins, proxies or contexts. Throws naming
// `source` when it is no such JSON.
std::string credentials_only(const std::string& text, const std::string& source);

// The operator's CONTAINERIZER_DOCKER_CONFIG as a config.json: `setting` is
// the JSON itself, a path or a file:// URL; the .dockercfg form is wrapped.
std::string operator_config(const std::string& setting);

// docker pull's per-layer lines made into a few: the start, a line every
// `interval` seconds (layers done so far), docker's Digest and Status.
class Progress {
 public:
  Progress(std::string image, double now, double interval = 3);
  // One line of docker pull's output, or nullptr when there was none for
  // a while, at time `now` (seconds): the lines to show, often none.
  std::vector<std::string> feed(const std::string* line, double now);

 private:
  std::string image_;
  double started_;
  double interval_;
  double shown_;
  std::vector<std::string> layers_;
  std::vector<std::string> done_;
};

// The image `plan` runs, pulled first when absent or when the plan forces
// it. Credentials go through a private directory under `scratch` that is
// gone when this returns. Throws naming the image and its registry.
Image ensure_image(const docker::Client& docker, const Settings& settings, const RunPlan& plan,
                   const std::string& sandbox, const std::string& scratch);

}  // namespace dc::registry
