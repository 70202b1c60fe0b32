#include "fetch/download.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "error.hpp"
#include "fetch/mesos_fetcher.hpp"
#include "fetch/uri.hpp"
#include "log.hpp"

namespace dc::fetch {
namespace {

using Clock = std::chrono::steady_clock;

// Downloads over this size report progress, every kProgressEvery.
constexpr curl_off_t kProgressAbove = 4 << 20;
constexpr auto kProgressEvery = std::chrono::seconds(5);

struct Sink {
  int fd;
  int write_errno = 0;
  std::string url;
  Clock::time_point last_report = Clock::now();
};

size_t on_data(char* data, size_t size, size_t count, void* opaque) {
  auto* sink = static_cast<Sink*>(opaque);
  size_t total = size * count;
  for (size_t done = 0; done < total;) {
    ssize_t n = ::write(sink->fd, data + done, total - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      sink->write_errno = errno;
      return 0;  // curl then fails with CURLE_WRITE_ERROR
    }
    done += static_cast<size_t>(n);
  }
  return total;
}

int on_progress(void* opaque, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* sink = static_cast<Sink*>(opaque);
  if (std::max(total, now) <= kProgressAbove || Clock::now() - sink->last_report < kProgressEvery) return 0;
  sink->last_report = Clock::now();
  constexpr double mib = 1 << 20;
  if (total > 0)
    spdlog::info("fetching {}: {:.1f} of {:.1f} MiB", sink->url, now / mib, total / mib);
  else
    spdlog::info("fetching {}: {:.1f} MiB", sink->url, now / mib);
  return 0;
}

// curl's own CA options are for its command line; the library needs them set.
void set_ca(CURL* curl) {
  for (const char* name : {"CURL_CA_BUNDLE", "SSL_CERT_FILE"})
    if (const char* file = std::getenv(name); file && *file) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, file);
      return;
    }
}

std::string cause(CURLcode code, const char* detail, const Sink& sink, double timeout_seconds) {
  const std::string text = *detail ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_WRITE_ERROR:
      return "cannot write the download: " + std::string(strerror(sink.write_errno ? sink.write_errno : EIO));
    case CURLE_PARTIAL_FILE:
      return "truncated download: " + text;
    case CURLE_OPERATION_TIMEDOUT:
      return "timed out after " + std::to_string(static_cast<long>(timeout_seconds)) +
             " s (CONTAINERIZER_FETCH_TIMEOUT): " + text;
    default:
      return text;
  }
}

void download_http(const std::string& url, int fd, double timeout_seconds) {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  std::unique_ptr<CURL, void (*)(CURL*)> handle(initialised ? curl_easy_init() : nullptr, curl_easy_cleanup);
  if (!handle) throw Error("libcurl failed to start");
  CURL* curl = handle.get();
  Sink sink{fd, 0, url};
  char detail[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 20L);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_seconds * 1000));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "docker-containerizer");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &sink);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  set_ca(curl);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (code == CURLE_HTTP_RETURNED_ERROR || (code == CURLE_OK && status != 200))
    throw Error("HTTP status " + std::to_string(status));
  if (code != CURLE_OK) throw Error(cause(code, detail, sink, timeout_seconds));
}

}  // namespace

void download(const std::string& value, const std::string& path, double timeout_seconds,
              const std::string& mesos_fetcher) {
  if (scheme_of(value) != Scheme::http) {
    fetch_with_mesos_fetcher(mesos_fetcher, value, path, timeout_seconds);
    return;
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot create " + path + ": " + strerror(errno));
  try {
    download_http(value, fd, timeout_seconds);
  } catch (...) {
    ::close(fd);
    ::unlink(path.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(path.c_str());
    throw Error("cannot write " + path + ": " + strerror(errno));
  }
}

}  // namespace dc::fetch
