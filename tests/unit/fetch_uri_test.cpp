// dc::fetch's pure rules: which URIs a Launch fetches, where each lands, what
// is an archive, and which archive entries may be written.
#include "fetch/uri.hpp"

#include <google/protobuf/text_format.h>

#include <catch2/catch.hpp>

#include "error.hpp"

using dc::fetch::Archive;
using dc::fetch::Scheme;
using dc::fetch::Uri;

namespace {

Uri uri(const std::string& value, const std::string& output_file = "") {
  Uri result;
  result.set_value(value);
  if (!output_file.empty()) result.set_output_file(output_file);
  return result;
}

}  // namespace

TEST_CASE("a command task's URIs, copied into its executor by the agent, are fetched once") {
  mesos::containerizer::Launch launch;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(R"pb(
    container_id { value: "c1" }
    task_info { command { uris { value: "http://h/a.tgz" } uris { value: "http://h/b" cache: true } } }
    executor_info { command { uris { value: "http://h/a.tgz" } uris { value: "http://h/b" } } }
  )pb", &launch));
  auto uris = dc::fetch::uris_of(launch);
  REQUIRE(uris.size() == 3);
  CHECK(uris[0].value() == "http://h/a.tgz");
  CHECK(uris[1].cache());
  CHECK_FALSE(uris[2].cache());
}

TEST_CASE("schemes") {
  CHECK(dc::fetch::scheme_of("/opt/x") == Scheme::local);
  CHECK(dc::fetch::scheme_of("file:///opt/x") == Scheme::local);
  CHECK(dc::fetch::scheme_of("http://h/x") == Scheme::http);
  CHECK(dc::fetch::scheme_of("https://h/x") == Scheme::http);
  CHECK(dc::fetch::scheme_of("hdfs://nn/x") == Scheme::other);
  CHECK(dc::fetch::scheme_of("x.tgz") == Scheme::local);
  CHECK_THROWS_AS(dc::fetch::local_path("x.tgz"), dc::Error);
  CHECK(dc::fetch::scheme_name("s3://bucket/x") == "s3");
  CHECK(dc::fetch::local_path("file:///opt/x") == "/opt/x");
  CHECK(dc::fetch::local_path("file://localhost/opt/x") == "/opt/x");
  CHECK(dc::fetch::local_path("/opt/x") == "/opt/x");
  CHECK_THROWS_AS(dc::fetch::local_path("file://otherhost/x"), dc::Error);
}

TEST_CASE("where a URI lands in the sandbox") {
  CHECK(dc::fetch::output_path(uri("http://h/dist/thermos.pex")) == "thermos.pex");
  CHECK(dc::fetch::output_path(uri("http://h/dist/app.tgz?version=3#top")) == "app.tgz");
  CHECK(dc::fetch::output_path(uri("/opt/tools/run.sh")) == "run.sh");
  CHECK(dc::fetch::output_path(uri("hdfs://nn:8020/jobs/spark.tgz")) == "spark.tgz");
  CHECK(dc::fetch::output_path(uri("http://h/x", "bin//./tool")) == "bin/tool");
  CHECK_THROWS_AS(dc::fetch::output_path(uri("http://h/")), dc::Error);
  CHECK_THROWS_AS(dc::fetch::output_path(uri("http://h")), dc::Error);
  CHECK_THROWS_AS(dc::fetch::output_path(uri("http://h/x", "/etc/passwd")), dc::Error);
  CHECK_THROWS_AS(dc::fetch::output_path(uri("http://h/x", "../x")), dc::Error);
  CHECK_THROWS_AS(dc::fetch::output_path(uri("http://h/x", "a/../../x")), dc::Error);
  CHECK_THROWS_AS(dc::fetch::output_path(uri("http://h/x", "./")), dc::Error);
}

TEST_CASE("archives by their name") {
  for (const char* name : {"a.tar", "a.tgz", "a.tar.gz", "a.tbz2", "a.tar.bz2", "a.txz", "a.tar.xz"})
    CHECK(dc::fetch::archive_of(name) == Archive::tar);
  CHECK(dc::fetch::archive_of("a.zip") == Archive::zip);
  CHECK(dc::fetch::archive_of("data.json.gz") == Archive::gzip);
  CHECK(dc::fetch::archive_of("thermos.pex") == Archive::none);
  CHECK(dc::fetch::gunzipped_path("d/data.json.gz") == "d/data.json");
}

TEST_CASE("archive entries stay inside the sandbox") {
  CHECK(dc::fetch::entry_path("./a//b/") == "a/b");
  CHECK(dc::fetch::entry_path("./") == "");
  CHECK(dc::fetch::entry_path("a/./b") == "a/b");
  CHECK_FALSE(dc::fetch::entry_path("/etc/passwd"));
  CHECK_FALSE(dc::fetch::entry_path("../x"));
  CHECK_FALSE(dc::fetch::entry_path("a/../../x"));
  CHECK_FALSE(dc::fetch::entry_path("a/.."));
}

TEST_CASE("symbolic links from archives stay inside the sandbox") {
  CHECK(dc::fetch::link_stays_inside("bin/tool", "../lib/tool"));
  CHECK(dc::fetch::link_stays_inside("tool", "lib/tool"));
  CHECK(dc::fetch::link_stays_inside("a/b/c", "../../x"));
  CHECK(dc::fetch::link_stays_inside("current", "."));
  CHECK_FALSE(dc::fetch::link_stays_inside("tool", "/bin/sh"));
  CHECK_FALSE(dc::fetch::link_stays_inside("tool", "../outside"));
  CHECK_FALSE(dc::fetch::link_stays_inside("a/b/c", "../../../x"));
  CHECK_FALSE(dc::fetch::link_stays_inside("tool", ""));
  // With "current -> ." beside it, "current/.." would be the sandbox's
  // parent: ".." after a name is refused, whatever the name.
  CHECK_FALSE(dc::fetch::link_stays_inside("up", "current/.."));
  CHECK_FALSE(dc::fetch::link_stays_inside("a/up", "../b/../../x"));
}

TEST_CASE("cache keys: one per URI, readable") {
  auto a = dc::fetch::cache_key("http://h/v1/app.tgz");
  CHECK(a.size() > 17);
  CHECK(a.substr(17) == "app.tgz");
  CHECK(a != dc::fetch::cache_key("http://h/v2/app.tgz"));
  CHECK(dc::fetch::cache_key("http://h/x?a=/../b").find('/') == std::string::npos);
}
