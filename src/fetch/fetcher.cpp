#include "fetch/fetcher.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <functional>

#include "base/error.hpp"
#include "base/log.hpp"
#include "fetch/archive.hpp"
#include "fetch/cache.hpp"
#include "fetch/download.hpp"
#include "fetch/placed.hpp"
#include "host/files.hpp"

namespace dc::fetch {
namespace {

// Who fetches on a framework's behalf on the host: the Launch's user, and
// nobody when that is root or unset (a root task is root only in its
// container), so such a task gets only what any local user could read.
UserIds fetching_user(const std::optional<UserIds>& user) {
  if (user && user->uid != 0) return *user;
  const struct passwd* nobody = ::getpwnam("nobody");
  const uint32_t uid = nobody ? nobody->pw_uid : 65534, gid = nobody ? nobody->pw_gid : 65534;
  return UserIds{uid, gid, {gid}};
}

std::string describe(const UserIds& user) {
  const struct passwd* entry = ::getpwuid(user.uid);
  return (entry ? std::string(entry->pw_name) + " " : "") + "(uid " + std::to_string(user.uid) + ")";
}

// Opens a local file without blocking (a FIFO would) and without making it
// our terminal: root's rights when `as` is unset, else `as`'s (its fs ids
// and groups, for the open only), as Mesos's fetcher runs as the task's
// user.
int open_as(const std::string& path, const std::optional<UserIds>& as) {
  constexpr int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  if (!as) return ::open(path.c_str(), flags);
  std::vector<gid_t> saved(static_cast<size_t>(std::max(::getgroups(0, nullptr), 0)));
  saved.resize(static_cast<size_t>(std::max(::getgroups(static_cast<int>(saved.size()), saved.data()), 0)));
  std::vector<gid_t> groups(as->groups.begin(), as->groups.end());
  if (::setgroups(groups.size(), groups.data()) != 0) throw Error(std::string("setgroups: ") + strerror(errno));
  ::setfsgid(as->gid);
  ::setfsuid(as->uid);
  int fd = ::open(path.c_str(), flags);
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

// The operator lets root read this host path (CONTAINERIZER_HOST_VOLUMES).
bool root_may_read(const std::string& path, const std::string& real, const Options& options) {
  try {
    policy::check_host_path(options.host_paths, path, real);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// The file the kernel opened, links resolved.
std::string opened_path(int fd) {
  char path[PATH_MAX];
  const ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), path, sizeof path);
  if (n <= 0 || n == sizeof path) throw Error(std::string("cannot tell which file was opened: ") + strerror(errno));
  return std::string(path, static_cast<size_t>(n));
}

// A local URI: read as root under the operator's host path prefixes, else
// with the rights of the user fetching for the task.
void open_local(const std::string& value, const Options& options, Source& source) {
  const std::string path = local_path(value);
  std::optional<UserIds> as;
  if (!root_may_read(path, policy::normalize(files::real_path(path)), options)) as = fetching_user(options.user);
  source.fd = open_as(path, as);
  if (source.fd < 0)
    throw Error("cannot read " + path + (as ? " as " + describe(*as) : "") + ": " + strerror(errno) +
                (as ? " (the task's user must be able to read it, or CONTAINERIZER_HOST_VOLUMES name a prefix "
                      "holding it; a root task's or one with no user reads as nobody)"
                    : ""));
  // Again on what was opened: a link swapped in since changes nothing.
  if (!as && !root_may_read(path, opened_path(source.fd), options))
    throw Error(path + " led outside CONTAINERIZER_HOST_VOLUMES (to " + opened_path(source.fd) + ") as it was opened");
  struct stat info;
  if (::fstat(source.fd, &info) != 0 || !S_ISREG(info.st_mode)) throw Error(path + " is not a regular file");
  source.mode = info.st_mode & 0777;
}

void download_here(const std::string& value, const std::string& name, const Transfer& transfer, Source& source) {
  const std::string path = name + ".fetch-" + std::to_string(::getpid());
  download(value, path, transfer);
  source.download = path;
  source.fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (source.fd < 0) throw Error("cannot read " + path + ": " + strerror(errno));
}

// The URI's file at `name`: our own download is renamed there, anything
// else copied (through a temporary name, so no half file ever has it).
// Modes are set through descriptors, never through a path.
void place(Source& source, const std::string& name, bool executable, Placed& placed) {
  const mode_t mode = executable ? 0755 : source.mode;
  std::string from = source.download;
  if (from.empty()) {
    from = name + ".fetch-" + std::to_string(::getpid());
    copy_into(source.fd, from, mode);
  } else if (::fchmod(source.fd, mode) != 0) {
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

// What the URI needs before anything is fetched: a value every fetcher
// reads alike, a scheme this host fetches.
void check(const Uri& uri, const Options& options) {
  validate(uri.value());
  output_path(uri);
  if (scheme_of(uri.value()) != Scheme::other) return;
  const std::string scheme = scheme_name(uri.value());
  const auto& allowed = options.mesos_fetcher_schemes;
  if (std::find(allowed.begin(), allowed.end(), scheme) == allowed.end())
    throw Error("the scheme '" + scheme + "' is not fetched here (CONTAINERIZER_FETCH_MESOS_FETCHER_SCHEMES)");
  if (options.mesos_fetcher.empty())
    throw Error("the scheme '" + scheme +
                "' needs $MESOS_LIBEXEC_DIRECTORY/mesos-fetcher, which this host does not have");
}

Transfer transfer_of(const Options& options, uint64_t max_bytes, const std::string& setting) {
  return Transfer{options.timeout_seconds,      max_bytes, setting, options.deny_local_addresses,
                  options.mesos_fetcher,        fetching_user(options.user), options.ca_file};
}

// A cached URI: its entry, or nothing when it is larger than the whole
// cache (then fetched straight into the sandbox).
bool open_cached(const std::string& value, const Options& options, Source& source) {
  Cache cache(options.cache_dir, options.cache_size);
  const bool cache_smaller = options.cache_size < options.max_size;
  const std::string user = options.user ? std::to_string(options.user->uid) : "";
  try {
    source.cached.emplace(cache.get(user, value, [&](const std::string& path, uint64_t cache_bytes) {
      download(value, path,
               cache_smaller ? transfer_of(options, cache_bytes, "CONTAINERIZER_FETCH_CACHE_SIZE")
                             : transfer_of(options, options.max_size, "CONTAINERIZER_FETCH_MAX_SIZE"));
    }));
  } catch (const TooLarge& e) {
    if (!cache_smaller) throw;
    spdlog::info("{}: {}, more than the whole cache: not cached", redacted(value), e.what());
    return false;
  }
  source.fd = source.cached->fd();
  return true;
}

// Returns what was done, for the one line that reports all URIs.
std::string fetch_one(const Uri& uri, const Options& options, Placed& placed) {
  const std::string& value = uri.value();
  const std::string name = output_path(uri);
  placed.make_parents(name);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(options.timeout_seconds));
  Source source;
  std::string how = "copied";
  if (scheme_of(value) == Scheme::local) {
    open_local(value, options, source);
  } else if (uri.cache() && open_cached(value, options, source)) {
    how = source.cached->hit() ? "from the cache" : "downloaded into the cache";
  } else {
    download_here(value, name, transfer_of(options, options.max_size, "CONTAINERIZER_FETCH_MAX_SIZE"), source);
    how = "downloaded";
  }
  const Archive kind = archive_of(name);
  if (uri.extract() && !uri.executable() && kind != Archive::none) {
    extract(source.fd, kind, name, placed, {options.extract_max_size, options.extract_max_entries, deadline});
    return redacted(value) + " (" + how + ", extracted)";
  }
  place(source, name, uri.executable(), placed);
  return redacted(value) + " (" + how + ") as " + name;
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
        throw Error("fetch of '" + redacted(uri.value()) + "': " + e.what());
      }
  };
  each([&](const Uri& uri) { check(uri, options); });
  std::string done;
  each([&](const Uri& uri) { done += (done.empty() ? "" : ", ") + fetch_one(uri, options, placed); });
  placed.commit();
  spdlog::info("fetched {}", done);
}

}  // namespace dc::fetch
