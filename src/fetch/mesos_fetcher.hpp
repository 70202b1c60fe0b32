#pragma once
// Schemes this program does not speak (hdfs://, s3://, ...) are handed to
// the agent's own fetcher, which knows the host's Hadoop client.
#include <string>

namespace dc::fetch {

// Runs `fetcher` ($MESOS_LIBEXEC_DIRECTORY/mesos-fetcher) to download
// `value` into the new file `path` (no extraction, no cache: this program
// does those); its log goes to our stderr. Killed after `timeout_seconds`.
void fetch_with_mesos_fetcher(const std::string& fetcher, const std::string& value, const std::string& path,
                              double timeout_seconds);

}  // namespace dc::fetch
