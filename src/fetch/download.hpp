#pragma once
// Downloads into a new file: http and https with libcurl, other schemes
// through the agent's own mesos-fetcher.
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/error.hpp"
#include "base/types.hpp"

namespace dc::fetch {

// How one URI may be downloaded.
struct Transfer {
  double timeout_seconds = 0;
  uint64_t max_bytes = 0;             // the download's size limit, counted while it is written
  std::string max_bytes_setting;      // the setting that sets it, for the refusal
  bool deny_local_addresses = false;  // refuse loopback and link-local peers (http, https)
  std::string mesos_fetcher;          // for other schemes; empty when the host has none
  UserIds fetcher_user;               // who runs mesos-fetcher
  std::string ca_file;                // other CAs: CURL_CA_BUNDLE, else SSL_CERT_FILE (main reads them)
};

// A download beyond Transfer::max_bytes.
struct TooLarge : Error {
  using Error::Error;
};

// Downloads `value` into the new file `path`, created here and removed again
// on failure. http(s): redirects followed, TLS verified (Transfer::ca_file
// names other CAs), proxy variables honoured as
// curl does. Other schemes: `mesos_fetcher` does the transfer
// (fetcher.cpp refuses them first when it is empty). Throws dc::Error with the cause (HTTP status, curl's
// complaint, truncated transfer, write error, the timeout), TooLarge beyond the limit.
void download(const std::string& value, const std::string& path, const Transfer& transfer);

// Copies what `from` reads into the new file `to` (never through a link),
// with `mode`; removes it again on failure.
void copy_into(int from, const std::string& to, mode_t mode);

}  // namespace dc::fetch
