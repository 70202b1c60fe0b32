#pragma once
// launch's side of fetching: the Launch's URIs go to docker-containerizer-
// fetch (beside this program), so this binary needs neither libcurl nor
// libarchive.
#include <optional>

#include "containerizer.pb.h"
#include "base/settings.hpp"
#include "base/types.hpp"

namespace dc::fetch {

// Fetches every URI of the Launch's task and executor into its sandbox,
// owned by `user`; returns at once when there are none. Throws dc::Error
// naming the URI and the cause; nothing it fetched is left then.
void into_sandbox(const Settings& settings, const mesos::containerizer::Launch& launch,
                  const std::optional<UserIds>& user);

}  // namespace dc::fetch
