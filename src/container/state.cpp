#include "container/state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/error.hpp"
#include "host/files.hpp"

namespace dc::state {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string errno_text() { return std::strerror(errno); }

// Root's own files, read whole but bounded: a record holds a Termination's
// message and the task's environment, well below this.
constexpr size_t kRecordLimit = 4 << 20;
// /proc/locks lists every lock on the host: long on a busy one.
constexpr size_t kLocksLimit = 16 << 20;
// A command line: a quarter of the stack's limit at most, 2 MiB by default.
constexpr size_t kCmdlineLimit = 4 << 20;

json termination_json(const mesos::containerizer::Termination& t) {
  json j = {{"killed", t.killed()}, {"message", t.message()}, {"status", t.status()}};
  if (t.has_state()) j["state"] = static_cast<int>(t.state());
  json reasons = json::array();
  for (int reason : t.reasons()) reasons.push_back(reason);
  j["reasons"] = reasons;
  return j;
}

mesos::containerizer::Termination termination_from(const json& j) {
  mesos::containerizer::Termination t;
  t.set_killed(j.value("killed", false));
  t.set_message(j.value("message", ""));
  t.set_status(j.value("status", 0));
  if (j.contains("state")) t.set_state(static_cast<mesos::TaskState>(j["state"].get<int>()));
  for (const auto& reason : j.value("reasons", json::array()))
    t.add_reasons(static_cast<mesos::TaskStatus::Reason>(reason.get<int>()));
  return t;
}

json cgroups_json(const cgroups::Paths& p) {
  return {{"v2", p.v2}, {"unified", p.unified}, {"cpu", p.cpu},
          {"cpuacct", p.cpuacct}, {"memory", p.memory}, {"pids", p.pids}};
}

cgroups::Paths cgroups_from(const json& j) {
  cgroups::Paths p;
  p.v2 = j.value("v2", false);
  p.unified = j.value("unified", "");
  p.cpu = j.value("cpu", "");
  p.cpuacct = j.value("cpuacct", "");
  p.memory = j.value("memory", "");
  p.pids = j.value("pids", "");
  return p;
}

void write_atomically(const std::string& path, const std::string& content, bool durable) {
  // Our own temporary file: two launches may remember one image at once.
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write " + temporary + ": " + errno_text());
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            (!durable || ::fsync(fd) == 0);
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = errno_text();
    ::unlink(temporary.c_str());
    throw Error("cannot write " + path + ": " + reason);
  }
  // Until its directory is synced a rename may be undone by a crash: a
  // Termination recorded (and its `ended` hook run) would be lost, and
  // the next call would record it and run the hook a second time.
  if (durable) {
    const std::string dir = path.substr(0, path.rfind('/'));
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = dir_fd >= 0 && ::fsync(dir_fd) == 0;
    if (dir_fd >= 0) ::close(dir_fd);
    if (!ok) throw Error("cannot sync " + dir + ": " + errno_text());
  }
}

}  // namespace

// The record's plain fields, each named once: to_json and from_json both
// follow this list. A key that an older record lacks leaves the field's
// default; a value of the wrong type is a CorruptRecord.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Record, container_id, slave_id, name, work_directory, sandbox,
                                                docker_id, image_id, image_digest, image, framework_id, executor_id,
                                                task_id, network, ip, ports, override_mode, mesos_executor, cpus,
                                                mem_bytes, cfs, pid, supervisor_pid, supervisor_start, waiter_pid,
                                                agent_gone, destroying, ended_at, removed, delivered)

std::string to_json(const Record& r) {
  json j = r;
  if (r.cgroups) j["cgroups"] = cgroups_json(*r.cgroups);
  if (r.termination) j["termination"] = termination_json(*r.termination);
  if (r.task_end) j["task_end"] = termination_json(*r.task_end);
  try {
    return j.dump(1) + "\n";
  } catch (const json::type_error& e) {
    // A Launch's strings (task id, image, sandbox) are bytes to protobuf.
    throw Error(std::string("cannot record the container: a value is not valid UTF-8 (") + e.what() + ")");
  }
}

std::map<std::string, std::string> text_fields(const Record& record) {
  std::map<std::string, std::string> fields;
  const json all = record;
  for (const auto& [key, value] : all.items())
    if (value.is_string()) fields[key] = value.get<std::string>();
  return fields;
}

Record from_json(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw CorruptRecord("corrupt record: not a JSON object");
  Record r;
  try {
    j.get_to(r);
    if (j.contains("cgroups")) r.cgroups = cgroups_from(j["cgroups"]);
    if (j.contains("termination")) r.termination = termination_from(j["termination"]);
    if (j.contains("task_end")) r.task_end = termination_from(j["task_end"]);
  } catch (const json::exception& e) {
    throw CorruptRecord(std::string("corrupt record: ") + e.what());
  }
  return r;
}

bool ours(const Record& record, const std::string& work_directory) {
  return record.work_directory == work_directory;
}

Store::Store(std::string root) : root_(std::move(root)) {}

std::string Store::dir(const std::string& id) const { return root_ + "/containers/" + id; }

std::string Store::run_dir(const std::string& id) const { return dir(id) + "/run"; }

std::vector<std::string> Store::ids() const {
  std::vector<std::string> result;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(root_ + "/containers", ignored))
    // Ids start with a letter or digit; ".removed-*" are records being deleted.
    if (entry.is_directory(ignored) && entry.path().filename().string()[0] != '.')
      result.push_back(entry.path().filename().string());
  return result;
}

std::optional<Record> Store::peek(const std::string& id) const {
  try {
    // Absent, unreadable or corrupt: no record to peek at.
    auto text = files::read_file(dir(id) + "/record.json", kRecordLimit);
    return text ? std::optional<Record>(from_json(*text)) : std::nullopt;
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::string Store::set_aside(const std::string& id) const {
  const std::string aside = root_ + "/containers/.corrupt-" + id + "." + std::to_string(::time(nullptr));
  if (::rename(dir(id).c_str(), aside.c_str()) != 0)
    throw Error("cannot set aside " + dir(id) + ": " + errno_text());
  return aside;
}

namespace {

// The image's file: names hold '/' and ':' and may be long; the name itself
// is kept inside, so that a hash collision is a miss.
std::string image_file(const std::string& root, const std::string& name) {
  char hash[17];
  snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(name));
  return root + "/images/" + hash + ".json";
}

}  // namespace

std::optional<Image> Store::image(const std::string& name) const {
  // A cache: a file absent, unreadable or corrupt is a miss.
  const auto text = files::try_read_file(image_file(root_, name), kRecordLimit);
  if (!text) return std::nullopt;
  try {
    json j = json::parse(*text);
    if (j.at("name").get<std::string>() != name) return std::nullopt;
    return Image{j.at("id").get<std::string>(), j.at("repo_digests").get<std::vector<std::string>>(),
                 {j.at("entrypoint").get<std::vector<std::string>>(), j.at("cmd").get<std::vector<std::string>>()}};
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

void Store::remember(const std::string& name, const Image& image) const {
  json j = {{"name", name}, {"id", image.id}, {"repo_digests", image.repo_digests},
            {"entrypoint", image.command.entrypoint}, {"cmd", image.command.cmd}};
  std::error_code ignored;
  fs::create_directories(root_ + "/images", ignored);
  write_atomically(image_file(root_, name), j.dump(), false);
}

namespace {

void interrupt(int) {}

// flock() that gives up after `seconds` (false): a timer signals this
// thread until then, and each signal ends the blocked call with EINTR.
bool flock_within(int fd, int operation, int seconds) {
  if (::flock(fd, operation | LOCK_NB) == 0) return true;
  if (errno != EWOULDBLOCK) throw Error("cannot lock: " + errno_text());
  static const int signal_number = [] {
    struct sigaction action = {};
    action.sa_handler = interrupt;  // no SA_RESTART
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGALRM, &action, nullptr);
    return SIGALRM;
  }();
  struct sigevent event = {};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = signal_number;
  event._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
  timer_t timer;
  if (::timer_create(CLOCK_MONOTONIC, &event, &timer) != 0) throw Error("timer_create: " + errno_text());
  // Every second: a signal that came before flock began interrupts nothing.
  const struct itimerspec every_second = {{1, 0}, {1, 0}};
  ::timer_settime(timer, 0, &every_second, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int result;
  while ((result = ::flock(fd, operation)) != 0 && errno == EINTR && std::chrono::steady_clock::now() < deadline) {
  }
  const int error = errno;
  ::timer_delete(timer);
  if (result == 0) return true;
  if (error != EINTR) throw Error("cannot lock: " + std::string(std::strerror(error)));
  return false;
}

// A file of /proc for a message: empty when it cannot be read.
std::string proc_text(const std::string& path, size_t limit) {
  return files::try_read_file(path, limit).value_or("");
}

// Who holds the flock on `fd`'s file, from /proc/locks: "pid N (command)".
std::string holder(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return "another process";
  char file[64];
  snprintf(file, sizeof file, "%02x:%02x:%lu", major(st.st_dev), minor(st.st_dev),
           static_cast<unsigned long>(st.st_ino));
  std::istringstream locks(proc_text("/proc/locks", kLocksLimit));
  for (std::string line; std::getline(locks, line);) {
    std::istringstream fields(line);
    std::string number, type, mode, access, pid, where;
    // Waiters read "N: -> FLOCK ...": five fields before the file then.
    if (fields >> number >> type >> mode >> access >> pid >> where && type == "FLOCK" && where == file) {
      std::istringstream cmdline(proc_text("/proc/" + pid + "/cmdline", kCmdlineLimit));
      std::string command, word;
      for (int words = 0; words < 2 && std::getline(cmdline, word, '\0'); ++words)
        command += (command.empty() ? "" : " ") + word;
      return "pid " + pid + (command.empty() ? "" : " (" + command + ")");
    }
  }
  return "another process";
}

}  // namespace

Locked::Locked(const Store& store, std::string id, int fd) : store_(&store), id_(std::move(id)), fd_(fd) {}

Locked::Locked(Locked&& other) noexcept
    : store_(other.store_), id_(std::move(other.id_)), fd_(other.fd_), record_(std::move(other.record_)) {
  other.fd_ = -1;
}

Locked& Locked::operator=(Locked&& other) noexcept {
  if (this != &other) {
    release();
    store_ = other.store_;
    id_ = std::move(other.id_);
    fd_ = other.fd_;
    record_ = std::move(other.record_);
    other.fd_ = -1;
  }
  return *this;
}

Locked::~Locked() { release(); }

void Locked::release() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::optional<Locked> Locked::open(const Store& store, const std::string& id, bool exclusive, int timeout_seconds) {
  int fd = ::open(store.dir(id).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw Error("cannot open " + store.dir(id) + ": " + errno_text());
  }
  Locked locked(store, id, fd);
  if (!flock_within(fd, exclusive ? LOCK_EX : LOCK_SH, timeout_seconds))
    throw Error("cannot lock " + store.dir(id) + " within " + std::to_string(timeout_seconds) + " s: held by " +
                holder(fd));
  // The holder before us may have removed the record while we queued.
  struct stat st;
  if (::fstat(fd, &st) != 0 || st.st_nlink == 0) return std::nullopt;
  auto text = files::read_file(store.dir(id) + "/record.json", kRecordLimit);
  if (!text) {
    // A launch killed between mkdir and its first save: a bare record, so
    // that destroy can still clean up after it.
    locked.record_.container_id = id;
    return locked;
  }
  locked.record_ = from_json(*text);
  return locked;
}

Locked Locked::create(const Store& store, const Record& record) {
  std::error_code error;
  fs::create_directories(store.root() + "/containers", error);
  if (error) throw Error("cannot create state directory " + store.root() + ": " + error.message());
  const std::string dir = store.dir(record.container_id);
  if (::mkdir(dir.c_str(), 0755) != 0) {
    if (errno == EEXIST) throw Error("container " + record.container_id + " was already launched");
    throw Error("cannot create " + dir + ": " + errno_text());
  }
  auto locked = open(store, record.container_id);
  if (!locked) throw Error("record of " + record.container_id + " vanished while being created");
  locked->record_ = record;
  try {
    locked->save(false);
  } catch (const Error&) {
    // A full or read-only state directory: no half-made record stays behind
    // to make the next launch of this id "already launched".
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    throw;
  }
  return std::move(*locked);
}

void Locked::save(bool durable) {
  write_atomically(store_->dir(id_) + "/record.json", to_json(record_), durable);
}

void Locked::remove() {
  const std::string trash = store_->root() + "/containers/.removed-" + id_ + "." + std::to_string(::getpid());
  if (::rename(store_->dir(id_).c_str(), trash.c_str()) != 0)
    throw Error("cannot remove record " + store_->dir(id_) + ": " + errno_text());
  std::error_code ignored;
  fs::remove_all(trash, ignored);
}

}  // namespace dc::state
