#include "fetch/fetcher.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <functional>

#include "error.hpp"
#include "fetch/archive.hpp"
#include "fetch/cache.hpp"
#include "fetch/download.hpp"
#include "fetch/placed.hpp"
#include "log.hpp"

namespace dc::fetch {
namespace {

// Opens a local file with the user's rights (its fs ids and groups, for the
// open only), so a framework gets only what its user may read: Mesos 1.0's
// fetcher runs as the task's user for the same reason.
int open_as(const std::string& path, const std::optional<UserIds>& user) {
  if (!user || user->uid == 0) return ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  std::vector<gid_t> saved(static_cast<size_t>(std::max(::getgroups(0, nullptr), 0)));
  saved.resize(static_cast<size_t>(std::max(::getgroups(static_cast<int>(saved.size()), saved.data()), 0)));
  std::vector<gid_t> groups(user->groups.begin(), user->groups.end());
  if (::setgroups(groups.size(), groups.data()) != 0) throw Error(std::string("setgroups: ") + strerror(errno));
  ::setfsgid(user->gid);
  ::setfsuid(user->uid);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  int error = errno;
  ::setfsuid(::geteuid());
  ::setfsgid(::getegid());
  ::setgroups(saved.size(), saved.data());
  errno = error;
  return fd;
}

// Where a URI's bytes are, open for reading.
struct Source {
  int fd = -1;
  mode_t mode = 0644;
  std::string download;        // our own download in the sandbox: renamed into place or removed
  std::optional<Held> cached;  // a cache entry, held while it is read
  Source() = default;
  Source(const Source&) = delete;
  ~Source() {
    if (!cached && fd >= 0) ::close(fd);
    if (!download.empty()) ::unlink(download.c_str());
  }
};

// A local URI names a host path: the operator's host path policy applies.
void check_local_path(const std::string& path, const std::string& real, const Options& options) {
  policy::check_host_path(options.host_paths, "host path '" + path + "'" + (real == path ? "" : " (" + real + ")"),
                          real);
}

// The file the kernel opened, links resolved.
std::string opened_path(int fd) {
  char path[PATH_MAX];
  const ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), path, sizeof path);
  if (n <= 0 || n == sizeof path) throw Error(std::string("cannot tell which file was opened: ") + strerror(errno));
  return std::string(path, static_cast<size_t>(n));
}

void open_local(const std::string& value, const Options& options, Source& source) {
  const std::string path = local_path(value);
  source.fd = open_as(path, options.user);
  if (source.fd < 0) throw Error("cannot read " + path + ": " + strerror(errno));
  // Again on what was opened: a link swapped in since check() changes nothing.
  check_local_path(path, opened_path(source.fd), options);
  struct stat info;
  if (::fstat(source.fd, &info) != 0 || !S_ISREG(info.st_mode)) throw Error(path + " is not a regular file");
  source.mode = info.st_mode & 0777;
}

void download_here(const std::string& value, const std::string& name, const Options& options, Source& source) {
  const std::string path = name + ".fetch-" + std::to_string(::getpid());
  download(value, path, options.timeout_seconds, options.mesos_fetcher);
  source.download = path;
  source.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (source.fd < 0) throw Error("cannot read " + path + ": " + strerror(errno));
}

void copy(int from, const std::string& to, mode_t mode) {
  int fd = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
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

// The URI's file at `name`: our own download is renamed there, anything
// else copied (through a temporary name, so no half file ever has it).
void place(Source& source, const std::string& name, bool executable, Placed& placed) {
  const mode_t mode = executable ? 0755 : source.mode;
  std::string from = source.download;
  if (from.empty()) {
    from = name + ".fetch-" + std::to_string(::getpid());
    copy(source.fd, from, mode);
  } else if (::chmod(from.c_str(), mode) != 0) {
    throw Error("cannot chmod " + from + ": " + strerror(errno));
  }
  placed.note(name);
  if (::rename(from.c_str(), name.c_str()) != 0) {
    int error = errno;
    ::unlink(from.c_str());
    throw Error("cannot create " + name + ": " + strerror(error));
  }
  source.download.clear();
}

// What the URI needs before anything is fetched.
void check(const Uri& uri, const Options& options) {
  output_path(uri);
  Scheme scheme = scheme_of(uri.value());
  if (scheme == Scheme::local) {
    const std::string path = local_path(uri.value());
    check_local_path(path, policy::resolve(path), options);
  }
  if (scheme == Scheme::other && options.mesos_fetcher.empty())
    throw Error("the scheme '" + scheme_name(uri.value()) +
                "' needs $MESOS_LIBEXEC_DIRECTORY/mesos-fetcher, which this host does not have");
}

// Returns what was done, for the one line that reports all URIs.
std::string fetch_one(const Uri& uri, const Options& options, Placed& placed) {
  const std::string& value = uri.value();
  const std::string name = output_path(uri);
  placed.make_parents(name);
  Source source;
  std::string how = "copied";
  if (scheme_of(value) == Scheme::local) {
    open_local(value, options, source);
  } else if (uri.cache()) {
    Cache cache(options.cache_dir, options.cache_size);
    source.cached.emplace(cache.get(value, [&](const std::string& path) {
      download(value, path, options.timeout_seconds, options.mesos_fetcher);
    }));
    source.fd = source.cached->fd();
    how = source.cached->hit() ? "from the cache" : "downloaded into the cache";
  } else {
    download_here(value, name, options, source);
    how = "downloaded";
  }
  const Archive kind = archive_of(name);
  if (uri.extract() && !uri.executable() && kind != Archive::none) {
    extract(source.fd, kind, name, placed);
    return value + " (" + how + ", extracted)";
  }
  place(source, name, uri.executable(), placed);
  return value + " (" + how + ") as " + name;
}

}  // namespace

void fetch_all(const std::vector<Uri>& uris, const Options& options) {
  // One Placed for all: a failed URI takes the ones before it along, so a
  // failed launch leaves the sandbox as it found it.
  Placed placed(options.user);
  auto each = [&](const std::function<void(const Uri&)>& body) {
    for (const auto& uri : uris) try {
        body(uri);
      } catch (const Error& e) {
        throw Error("fetch of '" + uri.value() + "': " + e.what());
      }
  };
  each([&](const Uri& uri) { check(uri, options); });
  std::string done;
  each([&](const Uri& uri) { done += (done.empty() ? "" : ", ") + fetch_one(uri, options, placed); });
  placed.commit();
  spdlog::info("fetched {}", done);
}

}  // namespace dc::fetch
