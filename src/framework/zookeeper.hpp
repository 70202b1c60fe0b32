#pragma once
// The leading Mesos master in ZooKeeper, found as Mesos's own detector does
// (src/zookeeper/group.cpp, src/master/detector/zookeeper.cpp in 1.0.1):
// every master contending for leadership holds an ephemeral sequential znode
// under the URL's path, "<label>_<10-digit sequence>"; the lowest sequence
// leads. Its data is the MasterInfo: JSON under the label "json.info"
// (masters since 0.23; 0.28 and 1.0 write only this one), the binary protobuf
// under "info" (0.20-0.22). The client is Debian's ZooKeeper C library.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace dc::framework::zk {

// zk://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]/PATH, as zookeeper::URL::parse
// reads it: the path starts at the first '/', the credentials (digest
// authentication) end at the last '@'.
struct Url {
  std::string credentials;  // "user:password" or empty
  std::string servers;      // "host:port,host:port"
  std::string path;         // "/mesos"
};

// `text` (a --master value) with the credentials of a zk:// URL, what lies
// between "://" and the last '@' before the path, shown as "***": for
// error lines and warnings.
std::string redacted(const std::string& text);

// Parses a zk:// URL; "file://PATH" names a file holding one (trimmed),
// as MasterDetector::create accepts it. Throws dc::Error with one line.
Url parse_url(const std::string& text);

// The leading member among a group's children (znode names): the lowest
// sequence; names without a numeric sequence (e.g. the replicated log's
// "log_replicas") are skipped. nullopt when none is left.
std::optional<std::string> leading_member(const std::vector<std::string>& children);

// "host:port" of the master whose MasterInfo is `data`, as the member named
// `member` holds it: JSON for "json.info_...", protobuf for "info_...", a
// libprocess pid ("master@ip:port") for a member without a label. Throws
// dc::Error when the data does not parse.
std::string master_address(const std::string& member, const std::string& data);

// Connects to the URL's servers and returns the leading master's
// "host:port", waiting (on ZooKeeper's watch) while no master leads.
// Throws dc::Error with one line once `timeout` passed without one, or on
// a ZooKeeper error (unreachable, authentication, no such path).
std::string leading_master(const Url& url, std::chrono::milliseconds timeout);

}  // namespace dc::framework::zk
