#pragma once
// Schemes this program does not speak (hdfs://, s3://, ...) are handed to
// the agent's own fetcher, which knows the host's Hadoop client.
#include <string>

#include "fetch/download.hpp"

namespace dc::fetch {

// Runs transfer.mesos_fetcher ($MESOS_LIBEXEC_DIRECTORY/mesos-fetcher) as
// transfer.fetcher_user to download `value` into the new file `path` (no
// extraction, no cache: this program does those); its log goes to our
// stderr. It writes into a directory of its own in the sandbox (the working
// directory), at most transfer.max_bytes a file (RLIMIT_FSIZE); killed after
// the timeout.
void fetch_with_mesos_fetcher(const std::string& value, const std::string& path, const Transfer& transfer);

}  // namespace dc::fetch
