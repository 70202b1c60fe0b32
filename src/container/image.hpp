#pragma once
// The image a container runs, confirmed against what the state directory
// last saw of its name (state::Store::image).
#include "container/state.hpp"
#include "docker/docker.hpp"

namespace dc::image {

// Launch names the image as the state directory last saw it
// (state::Store::image): the container's own image is the truth. Where they
// differ (a tag moved behind this program's back, a record rebuilt from
// labels) the record takes the container's image id and digest, the cache
// is corrected, and a line says so. Saved by the caller.
void confirm(state::Locked& locked, const docker::Container& container, const docker::Client& docker);

}  // namespace dc::image
