#include "container/image.hpp"

#include "base/log.hpp"
#include "plan/run_argv.hpp"

namespace dc::image {

void confirm(state::Locked& locked, const docker::Container& container, const docker::Client& docker) {
  auto& record = locked.record();
  if (container.image.empty() || container.image == record.image_id) return;
  const std::string launched = record.image_id;
  record.image_id = container.image;
  record.image_digest.clear();
  if (record.image.empty()) record.image = container.image_name;
  if (auto image = docker.image(container.image)) {
    record.image_digest = repo_digest(record.image, image->repo_digests);
    if (!record.image.empty()) locked.store().remember(record.image, *image);
  }
  if (!launched.empty())
    spdlog::warn("container {}: runs image {} ({}), not {}: the tag moved since this state directory last saw it",
                 record.container_id, record.image, record.image_digest.empty() ? record.image_id : record.image_digest,
                 launched);
}

}  // namespace dc::image
