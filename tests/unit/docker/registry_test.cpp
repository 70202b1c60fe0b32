// dc::registry's pure parts: registries named from images, credentials kept
// (and nothing else) from a framework's docker config, pull progress.
#include "docker/registry.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/error.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;
using Lines = std::vector<std::string>;

TEST_CASE("registry_of: the first component when it is a host, else docker.io") {
  const std::pair<const char*, const char*> images[] = {
      {"busybox", "docker.io"}, {"library/busybox:1", "docker.io"}, {"127.0.0.1:5000/x/y:1", "127.0.0.1:5000"},
      {"registry.example.com/x", "registry.example.com"}, {"localhost/x", "localhost"}};
  for (const auto& [image, registry] : images) {
    CAPTURE(image);
    CHECK(dc::registry::registry_of(image) == registry);
  }
}

TEST_CASE("credentials_only keeps registry credentials, drops helpers, plugins, proxies, contexts") {
  const std::string config = R"({
    "auths": {"127.0.0.1:5000": {"auth": "dTpw", "email": "a@b", "x": 1},
              "r.example.com": {"identitytoken": "tok", "username": "u", "password": "p"}},
    "credsStore": "evil", "credHelpers": {"r": "evil"}, "cliPluginsExtraDirs": ["/sandbox"],
    "proxies": {"default": {"httpProxy": "http://x"}}, "currentContext": "other"})";
  const json kept = json::parse(dc::registry::credentials_only(config, "the sandbox's .docker/config.json"));
  CHECK(kept == json::parse(R"({"auths": {"127.0.0.1:5000": {"auth": "dTpw"},
                                          "r.example.com": {"identitytoken": "tok", "username": "u", "password": "p"}}})"));
}

TEST_CASE("credentials_only reads the older .dockercfg form") {
  const json kept = json::parse(
      dc::registry::credentials_only(R"({"127.0.0.1:5000": {"auth": "dTpw", "email": "a@b"}})", ".dockercfg"));
  CHECK(kept == json::parse(R"({"auths": {"127.0.0.1:5000": {"auth": "dTpw"}}})"));
}

TEST_CASE("credentials_only refuses what is no config, naming the source") {
  for (const std::string text : {"", "[1]", "garbage", R"({"auths": 3})"}) {
    CAPTURE(text);
    CHECK_THROWS_WITH(dc::registry::credentials_only(text, "the sandbox's .dockercfg"),
                      Contains("the sandbox's .dockercfg"));
  }
}

TEST_CASE("operator_config: the JSON itself, kept whole; the .dockercfg form wrapped") {
  const std::string whole = R"({"auths": {"r": {"auth": "dTpw"}}, "credsStore": "ecr-login"})";
  CHECK(json::parse(dc::registry::operator_config(whole)) == json::parse(whole));
  CHECK(json::parse(dc::registry::operator_config(R"({"r": {"auth": "dTpw"}})")) ==
        json::parse(R"({"auths": {"r": {"auth": "dTpw"}}})"));
  CHECK_THROWS_WITH(dc::registry::operator_config("/nonexistent/config.json"),
                    Contains("CONTAINERIZER_DOCKER_CONFIG: no such file /nonexistent/config.json"));
  CHECK_THROWS_WITH(dc::registry::operator_config("file:///nonexistent/c.json"), Contains("/nonexistent/c.json"));
}

namespace {

// docker pull's non-terminal output (docker 28 client), as captured from a
// pull of a two-layer image from a loopback registry.
Lines feed_all(dc::registry::Progress& progress, const Lines& lines, double at) {
  Lines shown;
  for (const auto& line : lines)
    for (const auto& text : progress.feed(&line, at)) shown.push_back(text);
  return shown;
}

}  // namespace

TEST_CASE("pull progress: the start, a line every few seconds, docker's digest and status") {
  const std::string image = "127.0.0.1:5000/x/y:1";
  dc::registry::Progress progress(image, 100, 3);
  CHECK(feed_all(progress, {"1: Pulling from x/y", "0123456789ab: Pulling fs layer", "abcdef012345: Pulling fs layer",
                            "0123456789ab: Verifying Checksum", "0123456789ab: Download complete",
                            "0123456789ab: Pull complete"},
                 101) == Lines{"pulling 127.0.0.1:5000/x/y:1 from 127.0.0.1:5000"});
  // Silence: nothing until the interval has passed, then one line.
  CHECK(progress.feed(nullptr, 102).empty());
  CHECK(progress.feed(nullptr, 104.5) == Lines{"pulling 127.0.0.1:5000/x/y:1: 1 of 2 layers done after 5 s"});
  CHECK(progress.feed(nullptr, 105).empty());
  const std::string layer = "abcdef012345: Download complete";
  CHECK(progress.feed(&layer, 108) == Lines{"pulling 127.0.0.1:5000/x/y:1: 1 of 2 layers done after 8 s"});
  CHECK(feed_all(progress, {"abcdef012345: Pull complete", "Digest: sha256:0f0f",
                            "Status: Downloaded newer image for 127.0.0.1:5000/x/y:1", "127.0.0.1:5000/x/y:1"},
                 109) == Lines{"pulled 127.0.0.1:5000/x/y:1 in 9 s, layers: 2", "Digest: sha256:0f0f",
                               "Status: Downloaded newer image for 127.0.0.1:5000/x/y:1"});
  // Everything done: no more progress lines.
  CHECK(progress.feed(nullptr, 130).empty());
}
