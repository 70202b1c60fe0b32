#pragma once
// Per-container facts on disk: STATE_DIR/containers/<id>/record.json, written
// atomically (write, fsync, rename) and guarded by a flock on the container's
// own directory, so calls for different containers never serialize while
// several calls for one container (wait, update, destroy) take turns.
// The engine's labels are the truth about which containers exist; this is a
// cache of what the engine cannot tell cheaply (allotment, cgroup paths,
// the Termination once known).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "containerizer.pb.h"
#include "host/cgroups.hpp"
#include "base/types.hpp"

namespace dc::state {

struct Record {
  std::string container_id;
  std::string slave_id;
  std::string name;            // the docker container name
  std::string work_directory;  // the agent instance
  std::string sandbox;         // host sandbox directory
  std::string docker_id;       // empty until docker run returned
  std::string image_id;        // the image it was created from (sha256:...)
  std::string image_digest;    // and its registry digest, repository@sha256:...
  // What the hooks tell of the container (src/container/hooks.cpp); empty in records
  // from before they were kept.
  std::string image;           // as the Launch names it
  std::string framework_id;
  std::string executor_id;
  std::string task_id;         // empty for an executor launched without a task
  std::string network;         // host, bridge, none or the user network's name
  std::string ip;              // on a bridge or user network, when hooks are on
  std::vector<std::string> ports;  // published: HOST_PORT->CONTAINER_PORT/PROTO
  bool override_mode = false;  // a host executor: this program's (host mode) or Mesos's
  bool mesos_executor = false;  // that executor is Mesos's command executor (override mode)
  double cpus = 0;             // allotted at launch or by the last update
  uint64_t mem_bytes = 0;
  bool cfs = false;            // a CFS quota was set
  int pid = 0;                 // the container init's host pid, once learned
  std::optional<cgroups::Paths> cgroups;
  int supervisor_pid = 0;      // override mode: watches the host executor
  unsigned long long supervisor_start = 0;  // and when it started (process::start_time)
  // The agent's current `wait` call, and whether that call saw the agent
  // go (it closed the reading end): a restart. The next agent's first wait
  // clears it; the host executor waits for that (executor.cpp).
  int waiter_pid = 0;
  bool agent_gone = false;
  bool destroying = false;
  double ended_at = 0;         // when the Termination was recorded
  bool removed = false;        // the docker container is gone
  bool delivered = false;      // a wait wrote the Termination to the agent
  std::optional<mesos::containerizer::Termination> termination;
  // The host executor's terminal update (state, message, reason), recorded
  // when it made it: the Termination carries it, so that the agent reports
  // the task right even when the executor could not deliver it.
  std::optional<mesos::containerizer::Termination> task_end;
};

// A record.json that cannot be read back: zero-length after a crash, not
// JSON, or a field of the wrong type.
struct CorruptRecord : Error {
  using Error::Error;
};

// Whether a record is this agent instance's: made by launch or recover under
// the same MESOS_WORK_DIRECTORY. Agents sharing a state directory
// (CONTAINERIZER_STATE_DIR) never act on each other's records.
bool ours(const Record& record, const std::string& work_directory);

class Store {
 public:
  explicit Store(std::string root);
  std::string dir(const std::string& id) const;
  // Bind-mounted into the container; the init writes its status file there.
  std::string run_dir(const std::string& id) const;
  std::vector<std::string> ids() const;
  // The record as it is on disk, without a lock (a writer renames whole
  // files): for looks that decide whether to do anything. nullopt when
  // missing or unreadable.
  std::optional<Record> peek(const std::string& id) const;
  const std::string& root() const { return root_; }
  // Moves the container's directory out of every call's way, kept for a
  // person to read (STATE_DIR/containers/.corrupt-ID.SECONDS); its path.
  std::string set_aside(const std::string& id) const;

  // What `docker image inspect` last told of the image `name`
  // (STATE_DIR/images/): launch runs an image it knows without asking the
  // engine first, and the first look at the container confirms it
  // (container/image.cpp). nullopt when never seen. A cache: written atomically, not
  // durably, no lock (writers of one name write the same facts).
  std::optional<Image> image(const std::string& name) const;
  void remember(const std::string& name, const Image& image) const;

 private:
  std::string root_;
};

// How long a call waits for a container's lock. Holders keep it for a look
// or a write; a launch for its whole start, each docker call and fetch in it
// bounded by its own timeout. Far longer means a holder stuck.
constexpr int kLockTimeoutSeconds = 900;

// An exclusive or shared flock on one container's directory, held for the
// object's lifetime, with the record read under it.
class Locked {
 public:
  // nullopt when there is no record for `id` (never made, or removed);
  // throws CorruptRecord when it cannot be parsed, dc::Error when it cannot
  // be read, and dc::Error naming the holder when another call kept the
  // lock past `timeout_seconds`.
  static std::optional<Locked> open(const Store& store, const std::string& id, bool exclusive = true,
                                    int timeout_seconds = kLockTimeoutSeconds);
  // Makes the directory and record (not durable, see save()); throws
  // dc::Error if one exists.
  static Locked create(const Store& store, const Record& record);

  Locked(Locked&& other) noexcept;
  Locked& operator=(Locked&& other) noexcept;
  ~Locked();

  Record& record() { return record_; }
  const Store& store() const { return *store_; }
  // Writes the record atomically (write, rename). `durable` also fsyncs the
  // file and the directory (the rename), so that a host crash leaves the
  // record whole, not empty. A call may skip it where a record lost in a
  // crash is harmless (recover rebuilds one from the engine's labels).
  void save(bool durable = true);
  // Deletes the directory: renamed away first, so no one opens half of it.
  void remove();
  // Lets go of the lock (the record stays as read).
  void release();

 private:
  Locked(const Store& store, std::string id, int fd);
  const Store* store_;
  std::string id_;
  int fd_;
  Record record_;
};

// JSON round trip, for the record file and for tests.
std::string to_json(const Record& record);
Record from_json(const std::string& text);

// The record's text fields by their names in record.json (what a hook is told).
std::map<std::string, std::string> text_fields(const Record& record);

}  // namespace dc::state
