#pragma once
// Downloads into a new file: http and https with libcurl, other schemes
// through the agent's own mesos-fetcher.
#include <string>

namespace dc::fetch {

// Downloads `value` into the new file `path`, created here and removed again
// on failure. http(s): redirects followed, TLS verified (CURL_CA_BUNDLE or
// SSL_CERT_FILE name other CAs, as for curl), proxy variables honoured as
// curl does. Other schemes: `mesos_fetcher` does the transfer
// (fetcher.cpp refuses them first when it is empty). Throws dc::Error with the cause (HTTP status, curl's
// complaint, truncated transfer, write error, the timeout).
void download(const std::string& value, const std::string& path, double timeout_seconds,
              const std::string& mesos_fetcher);

}  // namespace dc::fetch
