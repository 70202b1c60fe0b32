#include "zookeeper.hpp"

#include <arpa/inet.h>
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <cstdio>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "base/text.hpp"
#include "host/files.hpp"
#include "scheduler.pb.h"

namespace dc::framework::zk {
namespace {

using Clock = std::chrono::steady_clock;

std::string seconds(std::chrono::milliseconds timeout) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f s", static_cast<double>(timeout.count()) / 1000);
  return text;
}

using text::trim;

// The sequence of a member's znode name ("json.info_0000000012" -> 12),
// -1 when it has none (Group::watch skips such children).
long sequence(const std::string& name) {
  const std::string digits = name.substr(name.find_last_of('_') + 1);
  if (digits.empty() || digits.size() > 10 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
  return std::stol(digits);
}

std::string label(const std::string& member) {
  const size_t underscore = member.find_last_of('_');
  return underscore == std::string::npos ? "" : member.substr(0, underscore);
}

std::string join(const std::string& host, uint32_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// The scheduler library's choice (src/scheduler/scheduler.cpp): the
// address the master announces, else its pid's, else its packed ip.
std::string address_of(const mesos::scheduler::MasterInfo& info) {
  if (info.has_address() && !info.address().ip().empty() && info.address().port() > 0)
    return join(info.address().ip(), static_cast<uint32_t>(info.address().port()));
  const std::string& pid = info.pid();
  if (const size_t at = pid.find('@'); at != std::string::npos && at + 1 < pid.size()) return pid.substr(at + 1);
  if (info.ip() != 0) {
    in_addr address{};
    address.s_addr = info.ip();  // network byte order already (MESOS-1201)
    char text[INET_ADDRSTRLEN] = "";
    ::inet_ntop(AF_INET, &address, text, sizeof text);
    return join(text, info.port());
  }
  throw Error("the leading master's MasterInfo names no address");
}

mesos::scheduler::MasterInfo from_json(const std::string& data) {
  const auto json = nlohmann::json::parse(data, nullptr, false);
  if (json.is_discarded() || !json.is_object()) throw Error("the leading master's JSON MasterInfo does not parse");
  mesos::scheduler::MasterInfo info;
  info.set_id(json.value("id", ""));
  info.set_ip(json.value("ip", 0u));
  info.set_port(json.value("port", 5050u));
  info.set_pid(json.value("pid", ""));
  info.set_hostname(json.value("hostname", ""));
  if (json.contains("address") && json["address"].is_object()) {
    const auto& a = json["address"];
    info.mutable_address()->set_ip(a.value("ip", ""));
    info.mutable_address()->set_hostname(a.value("hostname", ""));
    info.mutable_address()->set_port(a.value("port", 0));
  }
  return info;
}

// The C client's session: its watcher (on the client's own thread) wakes
// whoever waits for the connection or a change of the group's children.
class Session {
 public:
  Session(const Url& url, std::chrono::milliseconds timeout)
      : url_(url), deadline_(Clock::now() + timeout), within_("within " + seconds(timeout)) {
    // The library's own log lines (every refused connect) would drown ours.
    zoo_set_debug_level(static_cast<ZooLogLevel>(0));
    const int timeout_ms = 10000;  // Mesos's default --zk_session_timeout
    handle_ = zookeeper_init(url.servers.c_str(), &Session::watcher, timeout_ms, nullptr, this, 0);
    if (!handle_) throw Error("cannot start a ZooKeeper client for " + url.servers);
  }
  ~Session() { zookeeper_close(handle_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void connect() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!changed_.wait_until(lock, deadline_, [this] { return state_ == ZOO_CONNECTED_STATE || failed(); }))
      throw Error("cannot reach ZooKeeper at " + url_.servers + " " + within_);
    if (failed()) throw Error("ZooKeeper at " + url_.servers + " ended the session: " + state_name());
    lock.unlock();
    if (!url_.credentials.empty()) authenticate();
  }

  // The children of the URL's path; sets the watch that wait() waits for.
  std::vector<std::string> children() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      changes_ = 0;
    }
    String_vector names{};
    int rc = zoo_get_children(handle_, url_.path.c_str(), 1, &names);
    while (rc == ZNONODE) {
      // No master has registered there yet: watch for the path's creation.
      Stat stat{};
      rc = zoo_exists(handle_, url_.path.c_str(), 1, &stat);
      if (rc == ZNONODE) return {};
      check(rc, "look for " + url_.path);
      rc = zoo_get_children(handle_, url_.path.c_str(), 1, &names);
    }
    check(rc, "list " + url_.path);
    std::vector<std::string> result(names.data, names.data + names.count);
    deallocate_String_vector(&names);
    return result;
  }

  // The data of a child of the path; nullopt when it is gone meanwhile.
  std::optional<std::string> data(const std::string& child) {
    const std::string path = url_.path + "/" + child;
    std::string buffer(64 * 1024, '\0');
    int length = static_cast<int>(buffer.size());
    const int rc = zoo_get(handle_, path.c_str(), 0, buffer.data(), &length, nullptr);
    if (rc == ZNONODE) return std::nullopt;
    check(rc, "read " + path);
    buffer.resize(static_cast<size_t>(std::max(length, 0)));
    return buffer;
  }

  // Until the children change (or the session breaks); false at the deadline.
  const std::string& within() const { return within_; }

  bool wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_until(lock, deadline_, [this] { return changes_ > 0 || failed(); });
  }

 private:
  static void watcher(zhandle_t*, int type, int state, const char*, void* context) {
    auto* self = static_cast<Session*>(context);
    std::lock_guard<std::mutex> lock(self->mutex_);
    if (type == ZOO_SESSION_EVENT) self->state_ = state;
    if (type == ZOO_CHILD_EVENT || type == ZOO_DELETED_EVENT || type == ZOO_CREATED_EVENT) ++self->changes_;
    self->changed_.notify_all();
  }

  static void authenticated(int rc, const void* context) {
    auto* self = const_cast<Session*>(static_cast<const Session*>(context));
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->auth_rc_ = rc;
    self->changed_.notify_all();
  }

  // Digest authentication with the URL's "user:password", as Mesos's
  // ZooKeeper class does on connecting.
  void authenticate() {
    check(zoo_add_auth(handle_, "digest", url_.credentials.data(), static_cast<int>(url_.credentials.size()),
                       &Session::authenticated, this),
          "authenticate");
    std::unique_lock<std::mutex> lock(mutex_);
    if (!changed_.wait_until(lock, deadline_, [this] { return auth_rc_.has_value() || failed(); }))
      throw Error("ZooKeeper at " + url_.servers + " did not answer the authentication " + within_);
    if (auth_rc_.value_or(ZAUTHFAILED) != ZOK)
      throw Error("ZooKeeper at " + url_.servers + " refused the credentials: " +
                  zerror(auth_rc_.value_or(ZAUTHFAILED)));
  }

  bool failed() const { return state_ == ZOO_EXPIRED_SESSION_STATE || state_ == ZOO_AUTH_FAILED_STATE; }
  std::string state_name() const { return state_ == ZOO_AUTH_FAILED_STATE ? "authentication failed" : "expired"; }

  void check(int rc, const std::string& what) const {
    if (rc != ZOK) throw Error("ZooKeeper at " + url_.servers + ": cannot " + what + ": " + zerror(rc));
  }

  Url url_;
  Clock::time_point deadline_;
  std::string within_;  // "within 2 s", for messages
  zhandle_t* handle_ = nullptr;
  std::mutex mutex_;
  std::condition_variable changed_;
  int state_ = 0;
  int changes_ = 0;
  std::optional<int> auth_rc_;
};

}  // namespace

std::string redacted(const std::string& text) {
  const size_t scheme = text.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t at = text.substr(0, text.find('/', start)).rfind('@');
  if (at == std::string::npos || at < start) return text;
  return text.substr(0, start) + "***" + text.substr(at);
}

Url parse_url(const std::string& text) {
  std::string s = trim(text);
  if (s.rfind("file://", 0) == 0) {
    const std::string path = s.substr(7);
    // The operator's own file, or pipe: trusted, read bounded; absent,
    // unreadable or empty is one refusal.
    const auto content = files::try_read_file(path, 1 << 20, files::Also::pipe);
    if (!content || content->empty()) throw Error("cannot read the ZooKeeper URL from " + path);
    s = trim(*content);
    if (s.rfind("file://", 0) == 0) throw Error(path + " names another file, not a zk:// URL");
  }
  if (s.rfind("zk://", 0) != 0) throw Error("'" + redacted(s) + "' is not a zk:// URL");
  s = s.substr(5);
  Url url;
  const size_t slash = s.find('/');
  url.path = slash == std::string::npos ? "/" : s.substr(slash);
  s = s.substr(0, slash);
  while (url.path.size() > 1 && url.path.back() == '/') url.path.pop_back();
  if (const size_t at = s.find_last_of('@'); at != std::string::npos) {
    url.credentials = s.substr(0, at);
    s = s.substr(at + 1);
  }
  url.servers = s;
  if (url.servers.empty()) throw Error("the zk:// URL '" + redacted(trim(text)) + "' names no server");
  // MasterDetector::create refuses the root as well.
  if (url.path == "/") throw Error("the zk:// URL '" + redacted(trim(text)) + "' needs a path such as /mesos");
  return url;
}

std::optional<std::string> leading_member(const std::vector<std::string>& children) {
  std::optional<std::string> leader;
  for (const auto& child : children) {
    if (sequence(child) < 0) continue;
    if (!leader || sequence(child) < sequence(*leader)) leader = child;
  }
  return leader;
}

std::string master_address(const std::string& member, const std::string& data) {
  const std::string kind = label(member);
  if (kind == "json.info") return address_of(from_json(data));
  if (kind == "info") {
    mesos::scheduler::MasterInfo info;
    if (!info.ParseFromString(data)) throw Error("the leading master's MasterInfo (" + member + ") does not parse");
    return address_of(info);
  }
  if (kind.empty()) {
    mesos::scheduler::MasterInfo info;
    info.set_pid(trim(data));
    return address_of(info);
  }
  throw Error("the leading member " + member + " has a label Mesos does not know");
}

std::string leading_master(const Url& url, std::chrono::milliseconds timeout) {
  Session session(url, timeout);
  session.connect();
  for (;;) {
    const auto children = session.children();
    if (const auto leader = leading_member(children))
      if (const auto data = session.data(*leader)) return master_address(*leader, *data);
    if (!session.wait())
      throw Error("no master leads in ZooKeeper at " + url.servers + url.path + " " + session.within() + " (" +
                  std::to_string(children.size()) + " members)");
  }
}

}  // namespace dc::framework::zk
