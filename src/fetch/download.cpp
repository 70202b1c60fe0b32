#include "fetch/download.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "base/error.hpp"
#include "base/log.hpp"
#include "fetch/mesos_fetcher.hpp"
#include "fetch/uri.hpp"

namespace dc::fetch {
namespace {

using Clock = std::chrono::steady_clock;

// Downloads over this size report progress, every kProgressEvery.
constexpr curl_off_t kProgressAbove = 4 << 20;
constexpr auto kProgressEvery = std::chrono::seconds(5);

struct Sink {
  int fd = -1;
  uint64_t max_bytes = 0;
  std::string url;  // redacted, for the log
  int write_errno = 0;
  uint64_t written = 0;
  bool too_large = false;
  std::string refused_peer;  // an address deny_local_addresses refused
  Clock::time_point last_report = Clock::now();
};

size_t on_data(char* data, size_t size, size_t count, void* opaque) {
  auto* sink = static_cast<Sink*>(opaque);
  size_t total = size * count;
  // Counted here, not only by CURLOPT_MAXFILESIZE: a chunked response
  // declares no length.
  if (total > sink->max_bytes - sink->written) {
    sink->too_large = true;
    return 0;
  }
  sink->written += total;
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

// Loopback (127/8, ::1) and link-local (169.254/16, fe80::/10), also as
// IPv4-mapped IPv6 addresses.
bool is_local(const struct sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const uint32_t ip = ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr);
    return (ip >> 24) == 127 || (ip >> 16) == 0xa9fe;
  }
  if (address->sa_family != AF_INET6) return false;
  const in6_addr& ip = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
  if (IN6_IS_ADDR_LOOPBACK(&ip) || IN6_IS_ADDR_LINKLOCAL(&ip)) return true;
  if (!IN6_IS_ADDR_V4MAPPED(&ip)) return false;
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  std::memcpy(&v4.sin_addr, &ip.s6_addr[12], 4);
  return is_local(reinterpret_cast<const sockaddr*>(&v4));
}

// curl asks for each socket it connects, with the address it will connect
// to: every address of a name and every redirect's is checked here, and the
// connection goes to the address checked.
curl_socket_t open_socket(void* opaque, curlsocktype, struct curl_sockaddr* address) {
  auto* sink = static_cast<Sink*>(opaque);
  if (is_local(&address->addr)) {
    char text[INET6_ADDRSTRLEN] = "";
    const void* ip = address->family == AF_INET
                         ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr)
                         : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr);
    ::inet_ntop(address->family, ip, text, sizeof text);
    sink->refused_peer = text;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

std::string cause(CURLcode code, const char* detail, const Sink& sink, const Transfer& transfer) {
  const std::string text = *detail ? detail : curl_easy_strerror(code);
  if (sink.too_large || code == CURLE_FILESIZE_EXCEEDED)
    return "more than " + std::to_string(transfer.max_bytes) + " bytes (" + transfer.max_bytes_setting + ")";
  if (!sink.refused_peer.empty())
    return "refused to connect to " + sink.refused_peer +
           ", a loopback or link-local address (CONTAINERIZER_FETCH_DENY_LOCAL_ADDRESSES)";
  switch (code) {
    case CURLE_WRITE_ERROR:
      return "cannot write the download: " + std::string(strerror(sink.write_errno ? sink.write_errno : EIO));
    case CURLE_PARTIAL_FILE:
      return "truncated download: " + text;
    case CURLE_OPERATION_TIMEDOUT:
      return "timed out after " + std::to_string(static_cast<long>(transfer.timeout_seconds)) +
             " s (CONTAINERIZER_FETCH_TIMEOUT): " + text;
    default:
      return text;
  }
}

void download_http(const std::string& url, int fd, const Transfer& transfer) {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  std::unique_ptr<CURL, void (*)(CURL*)> handle(initialised ? curl_easy_init() : nullptr, curl_easy_cleanup);
  if (!handle) throw Error("libcurl failed to start");
  CURL* curl = handle.get();
  Sink sink;
  sink.fd = fd;
  sink.max_bytes = transfer.max_bytes;
  sink.url = redacted(url);
  char detail[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 20L);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(transfer.timeout_seconds * 1000));
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(transfer.max_bytes));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "docker-containerizer");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &sink);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  if (transfer.deny_local_addresses) {
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &sink);
  }
  // curl's own CA variables are for its command line; the library needs them set.
  if (!transfer.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, transfer.ca_file.c_str());
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (code == CURLE_HTTP_RETURNED_ERROR || (code == CURLE_OK && status != 200))
    throw Error("HTTP status " + std::to_string(status));
  if (sink.too_large || code == CURLE_FILESIZE_EXCEEDED) throw TooLarge(cause(code, detail, sink, transfer));
  if (code != CURLE_OK) throw Error(cause(code, detail, sink, transfer));
}

}  // namespace

void download(const std::string& value, const std::string& path, const Transfer& transfer) {
  if (scheme_of(value) != Scheme::http) {
    fetch_with_mesos_fetcher(value, path, transfer);
    return;
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot create " + path + ": " + strerror(errno));
  try {
    download_http(value, fd, transfer);
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

void copy_into(int from, const std::string& to, mode_t mode) {
  int fd = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw Error("cannot create " + to + ": " + strerror(errno));
  off_t offset = 0;
  ssize_t n;
  while ((n = ::sendfile(fd, from, &offset, 1 << 30)) > 0 || (n < 0 && errno == EINTR)) {
  }
  int error = n < 0 ? errno : 0;
  if (!error && ::fchmod(fd, mode) != 0) error = errno;
  if (::close(fd) != 0 && !error) error = errno;
  if (error) {
    ::unlink(to.c_str());
    throw Error("cannot write " + to + ": " + strerror(error));
  }
}

}  // namespace dc::fetch
