// dc::fetch's pure rules: which URIs a Launch fetches, where each lands, what
// is an archive, and which archive entries may be written.
#include "fetch/uri.hpp"

#include <google/protobuf/text_format.h>

#include <catch2/catch.hpp>

#include "base/error.hpp"
#include "fetch/cache.hpp"

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

TEST_CASE("cache keys: SHA-256 of the user and the URI, readable") {
  auto a = dc::fetch::cache_key("1000", "http://h/v1/app.tgz");
  REQUIRE(a.size() == 64 + 1 + 7);
  CHECK(a.substr(65) == "app.tgz");
  CHECK(a != dc::fetch::cache_key("1000", "http://h/v2/app.tgz"));
  // Two users, one URI: two entries (issue 37 §3).
  CHECK(a != dc::fetch::cache_key("1001", "http://h/v1/app.tgz"));
  CHECK(dc::fetch::cache_key("", "http://h/v1/app.tgz") != a);
  // The user and the URI cannot trade bytes.
  CHECK(dc::fetch::cache_key("1", "0http://h/x") != dc::fetch::cache_key("10", "http://h/x"));
  // sha256("1000\0http://h/v1/app.tgz"), as `openssl dgst -sha256` gives it.
  CHECK(a.substr(0, 64) == "1dd95be40a2f126cab7a11c47b4e339ab9d0c79021d8ef31e28538cfcab4b31c");
  CHECK(dc::fetch::cache_key("", "http://h/x?a=/../b").find('/') == std::string::npos);
}

TEST_CASE("a URI with whitespace or a control character is refused before any scheme is chosen") {
  // Mesos's fetchers trim the leading space and copy /etc/shadow as root
  // (issue 37 §1); 0.20's splits MESOS_EXECUTOR_URIS on spaces.
  for (const std::string& value : std::vector<std::string>{" file:///etc/shadow", "\tfile:///etc/shadow", "http://h/a b", "http://h/a\nb",
                                  "hdfs://nn/x\r", std::string("http://h/a\0b", 12), "http://h/\x7f", "x.tgz "})
    CHECK_THROWS_AS(dc::fetch::validate(value), dc::Error);
  CHECK_NOTHROW(dc::fetch::validate("http://h/a%20b?x=1#y"));
}

TEST_CASE("a scheme is matched exactly") {
  const std::pair<const char*, const char*> names[] = {
      {"hdfs://nn/x", "hdfs"}, {"svn+ssh://h/x", "svn+ssh"}, {"/opt/x", ""}, {" file:///x", ""}, {"1http://h/x", ""},
      {"://h/x", ""}};
  for (const auto& [uri, name] : names) {
    CAPTURE(uri);
    CHECK(dc::fetch::scheme_name(uri) == name);
  }
  // Something before "://" that is no scheme is neither a path nor a scheme.
  CHECK_THROWS_AS(dc::fetch::scheme_of(" file:///etc/shadow"), dc::Error);
  CHECK_THROWS_AS(dc::fetch::scheme_of("/opt/a://b"), dc::Error);
  CHECK(dc::fetch::scheme_of("HTTP://h/x") == Scheme::http);
  CHECK(dc::fetch::scheme_of("HDFS://nn/x") == Scheme::other);
}

TEST_CASE("credentials never reach a log line") {
  const std::pair<const char*, const char*> logged[] = {
      {"https://user:pass@h/x", "https://***@h/x"}, {"https://user:p@ss@h:8/x?a=b@c", "https://***@h:8/x?a=b@c"},
      {"http://h/x@y", "http://h/x@y"}, {"/opt/x", "/opt/x"}, {" file:///x\n", "\\x20file:///x\\x0a"}};
  for (const auto& [uri, line] : logged) {
    CAPTURE(uri);
    CHECK(dc::fetch::redacted(uri) == line);
  }
}
