// The leading master in ZooKeeper as pure logic: the zk:// URL, which member
// leads, and the address in its MasterInfo (dc::framework::zk).
#include "framework/zookeeper.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "base/error.hpp"
#include "scheduler.pb.h"

using Catch::Matchers::Contains;
namespace zk = dc::framework::zk;

namespace {

std::string refusal(const std::string& url) {
  try {
    zk::parse_url(url);
  } catch (const dc::Error& e) {
    return e.what();
  }
  FAIL("accepted " + url);
  return "";
}

}  // namespace

TEST_CASE("zk:// URLs are read as zookeeper::URL::parse reads them") {
  zk::Url url = zk::parse_url("zk://z1:2181,z2:2181,z3:2181/mesos");
  CHECK(url.servers == "z1:2181,z2:2181,z3:2181");
  CHECK(url.path == "/mesos");
  CHECK(url.credentials.empty());

  url = zk::parse_url("  zk://ops:pa@ss@z1:2181/a/b/  ");  // the last '@' ends the credentials
  CHECK(url.credentials == "ops:pa@ss");
  CHECK(url.servers == "z1:2181");
  CHECK(url.path == "/a/b");

  CHECK_THAT(refusal("zk://z1:2181"), Contains("needs a path"));
  CHECK_THAT(refusal("zk://z1:2181/"), Contains("needs a path"));
  CHECK_THAT(refusal("zk:///mesos"), Contains("names no server"));
  CHECK_THAT(refusal("z1:2181/mesos"), Contains("not a zk:// URL"));
}

TEST_CASE("file:// names a file holding the URL") {
  const std::string file = "/tmp/dc-zk-test-" + std::to_string(::getpid());
  std::ofstream(file) << "zk://ops:pw@127.0.0.1:2181/mesos\n";
  const zk::Url url = zk::parse_url("file://" + file);
  CHECK(url.credentials == "ops:pw");
  CHECK(url.servers == "127.0.0.1:2181");
  CHECK(url.path == "/mesos");
  std::remove(file.c_str());
  CHECK_THAT(refusal("file://" + file), Contains("cannot read the ZooKeeper URL from " + file));
}

TEST_CASE("the member with the lowest sequence leads, whatever its label") {
  CHECK(zk::leading_member({"json.info_0000000012", "json.info_0000000003", "json.info_0000000007"}) ==
        "json.info_0000000003");
  // Three 1.0.1 masters with the replicated log, as seen in ZooKeeper.
  CHECK(zk::leading_member({"json.info_0000000001", "json.info_0000000002", "json.info_0000000003", "log_replicas"}) ==
        "json.info_0000000001");
  // A 0.20 master's protobuf member among 1.0 masters' JSON ones; the
  // replicated log's node shares the path and has no sequence.
  CHECK(zk::leading_member({"log_replicas", "json.info_0000000005", "info_0000000004"}) == "info_0000000004");
  CHECK_FALSE(zk::leading_member({}));
  CHECK_FALSE(zk::leading_member({"log_replicas"}));
}

TEST_CASE("the leader's address from its MasterInfo: JSON, protobuf or a bare pid") {
  // What a 1.0.1 master wrote into json.info_0000000001 (read back with zkCli).
  const std::string json =
      R"({"address":{"hostname":"localhost","ip":"127.0.0.1","port":49211},"hostname":"localhost",)"
      R"("id":"d2dc7db1-c051-4e09-a72c-ef4dd4377eb9","ip":16777343,"pid":"master@127.0.0.1:49211","port":49211,)"
      R"("version":"1.0.1"})";
  CHECK(zk::master_address("json.info_0000000001", json) == "127.0.0.1:49211");
  // Before `address` (0.23-0.24): the pid's.
  CHECK(zk::master_address("json.info_0000000002", R"({"id":"x","ip":16777343,"port":5050,"pid":"master@10.0.0.5:5050"})") ==
        "10.0.0.5:5050");

  mesos::scheduler::MasterInfo info;  // 0.20's info_: ip in network byte order
  info.set_id("x");
  info.set_ip(16777343);
  info.set_port(5150);
  CHECK(zk::master_address("info_0000000000", info.SerializeAsString()) == "127.0.0.1:5150");
  CHECK(zk::master_address("0000000001", "master@10.0.0.6:5050\n") == "10.0.0.6:5050");

  CHECK_THROWS_AS(zk::master_address("json.info_0000000001", "{not json"), dc::Error);
  CHECK_THROWS_AS(zk::master_address("json.info_0000000001", R"({"id":"x"})"), dc::Error);
}
