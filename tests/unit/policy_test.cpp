// dc::policy: the operator's settings parsed, and what each allows or refuses.
#include "policy.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <functional>

#include "error.hpp"

using Catch::Matchers::Contains;
namespace policy = dc::policy;

namespace {

std::string refusal_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const dc::Error& error) {
    return error.what();
  }
  FAIL_CHECK("accepted what it should refuse");
  return "";
}

policy::Policy host_volumes(const std::string& value) {
  dc::Settings settings;
  settings.host_volumes = value;
  return policy::from(settings);
}

}  // namespace

TEST_CASE("the defaults: no parameters, no privileged, no host paths, nothing added") {
  const policy::Policy p = policy::from(dc::Settings{});
  CHECK_FALSE(p.allow_docker_parameters);
  CHECK_FALSE(p.allow_privileged);
  CHECK_FALSE(p.any_host_volume);
  CHECK(p.host_volume_prefixes.empty());
  CHECK(p.default_docker_parameters.empty());
  CHECK(p.global_container_mounts.empty());
}

TEST_CASE("parameter lists: key=value, keys repeat, \\, is a comma") {
  CHECK(policy::parse_parameters("read-only=true,tmpfs=/tmp,tmpfs=/run", "S") ==
        policy::Parameters{{"read-only", "true"}, {"tmpfs", "/tmp"}, {"tmpfs", "/run"}});
  CHECK(policy::parse_parameters("tmpfs=/tmp:rw\\,size=64m,label=a=b", "S") ==
        policy::Parameters{{"tmpfs", "/tmp:rw,size=64m"}, {"label", "a=b"}});
  CHECK(policy::parse_parameters("", "S").empty());
  CHECK_THAT(refusal_of([] { policy::parse_parameters("read-only", "S"); }), Contains("S: 'read-only' is not key=value"));
  CHECK_THAT(refusal_of([] { policy::parse_parameters("=x", "S"); }), Contains("not key=value"));
  CHECK_THAT(refusal_of([] { policy::parse_parameters("name=x", "S"); }), Contains("S: docker parameter 'name'"));
}

TEST_CASE("global container mounts: host:container[:ro|rw]") {
  dc::Settings settings;
  settings.global_container_mounts = "/etc/ssl/certs:/etc/ssl/certs:ro,/srv/shared/:/shared,/a:/b:rw";
  const auto mounts = policy::from(settings).global_container_mounts;
  REQUIRE(mounts.size() == 3);
  CHECK((mounts[0].host == "/etc/ssl/certs" && mounts[0].container == "/etc/ssl/certs" && mounts[0].readonly));
  CHECK((mounts[1].host == "/srv/shared" && mounts[1].container == "/shared" && !mounts[1].readonly));
  CHECK_FALSE(mounts[2].readonly);
  for (const std::string bad : {"/a", "a:/b", "/a:b", "/a:/b:rx", "/a:/b:ro:x"}) {
    CAPTURE(bad);
    settings.global_container_mounts = bad;
    CHECK_THAT(refusal_of([&] { policy::from(settings); }), Contains("CONTAINERIZER_GLOBAL_CONTAINER_MOUNTS: '" + bad));
  }
}

TEST_CASE("host volumes: any, none or absolute prefixes") {
  CHECK(host_volumes("any").any_host_volume);
  CHECK_FALSE(host_volumes("none").any_host_volume);
  CHECK(host_volumes("none").host_volume_prefixes.empty());
  CHECK(host_volumes("/srv/data/,/mnt//x").host_volume_prefixes == std::vector<std::string>{"/srv/data", "/mnt/x"});
  CHECK_THAT(refusal_of([] { host_volumes("srv"); }), Contains("CONTAINERIZER_HOST_VOLUMES: 'srv'"));
}

TEST_CASE("host volume checks: prefixes, none, the sandbox") {
  const std::string sandbox = "/var/lib/mesos/sandbox";
  const auto prefixes = host_volumes("/srv/data,/mnt");
  CHECK_NOTHROW(policy::check_host_volume(prefixes, "/srv/data", "/srv/data", sandbox));
  CHECK_NOTHROW(policy::check_host_volume(prefixes, "/srv/data/x", "/srv/data/x", sandbox));
  CHECK_NOTHROW(policy::check_host_volume(prefixes, "/mnt/y", "/mnt/y", sandbox));
  // Whole components: /srv/data is not /srv/database, nor /srv.
  CHECK_THAT(refusal_of([&] { policy::check_host_volume(prefixes, "/srv/database", "/srv/database", sandbox); }),
             Contains("volume host_path '/srv/database' is outside CONTAINERIZER_HOST_VOLUMES (/srv/data,/mnt; a "
                      "prefix holding it, or any, allows it)"));
  CHECK_THAT(refusal_of([&] { policy::check_host_volume(prefixes, "/srv", "/srv", sandbox); }), Contains("is outside"));
  CHECK_THAT(refusal_of([&] { policy::check_host_volume(prefixes, "/", "/", sandbox); }), Contains("is outside"));
  // What counts is where it resolves to.
  CHECK_THAT(refusal_of([&] { policy::check_host_volume(prefixes, "/srv/data/../../etc", "/etc", sandbox); }),
             Contains("'/srv/data/../../etc' (/etc) is outside"));
  CHECK_THAT(refusal_of([&] { policy::check_host_volume(prefixes, "/srv/data/link", "/etc", sandbox); }),
             Contains("(/etc) is outside"));
  // Inside the sandbox always; out of it only with any.
  CHECK_NOTHROW(policy::check_host_volume(prefixes, "cache", sandbox + "/cache", sandbox));
  CHECK_NOTHROW(policy::check_host_volume(host_volumes("none"), "cache", sandbox + "/cache", sandbox));
  CHECK_THAT(refusal_of([&] { policy::check_host_volume(prefixes, "../x", "/var/lib/mesos/x", sandbox); }),
             Contains("leaves the sandbox (CONTAINERIZER_HOST_VOLUMES=any allows it)"));
  CHECK_THAT(refusal_of([&] { policy::check_host_volume(host_volumes("none"), "/srv/data", "/srv/data", sandbox); }),
             Contains("volume host_path '/srv/data' is refused (CONTAINERIZER_HOST_VOLUMES=none; a prefix holding "
                      "it, or any, allows it)"));
  CHECK_NOTHROW(policy::check_host_volume(host_volumes("any"), "../../etc", "/etc", sandbox));
  CHECK_NOTHROW(policy::check_host_volume(host_volumes("/"), "/etc", "/etc", sandbox));
}

TEST_CASE("the engine's socket is refused under every prefix, and so is any directory above it") {
  auto p = host_volumes("/run,/srv");
  p.engine_sockets = {"/run/docker.sock", "/srv/engine/d.sock"};
  for (const std::string path : {"/run/docker.sock", "/run", "/srv/engine", "/srv/engine/d.sock"}) {
    CAPTURE(path);
    CHECK_THAT(refusal_of([&] { policy::check_host_path(p, "volume host_path '" + path + "'", path); }),
               Contains("is or holds the container engine's socket"));
  }
  CHECK_THAT(refusal_of([&] { policy::check_host_path(p, "volume host_path '/run'", "/run"); }),
             Contains("socket /run/docker.sock, refused under every prefix (CONTAINERIZER_HOST_VOLUMES=any allows it)"));
  CHECK_NOTHROW(policy::check_host_path(p, "x", "/run/user"));
  CHECK_NOTHROW(policy::check_host_path(p, "x", "/srv/engine-data"));
  p.any_host_volume = true;
  CHECK_NOTHROW(policy::check_host_path(p, "x", "/run"));
}

TEST_CASE("engine sockets: docker's and containerd's defaults, DOCKER_HOST's, -H's in the docker args") {
  dc::Settings settings;
  const auto defaults = policy::engine_sockets(settings, {});
  for (const std::string socket : {"/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
                                    "/run/docker/containerd/containerd.sock"})
    CHECK(std::find(defaults.begin(), defaults.end(), socket) != defaults.end());
  auto extra = [&](const std::string& args, const std::string& docker_host) {
    settings.docker_args = args;
    auto sockets = policy::engine_sockets(settings, {{"DOCKER_HOST", docker_host}});
    sockets.erase(sockets.begin(), sockets.begin() + static_cast<long>(defaults.size()));
    return sockets;
  };
  using Paths = std::vector<std::string>;
  CHECK(extra("", "unix:///srv/d//x.sock") == Paths{"/srv/d/x.sock"});
  CHECK(extra("", "tcp://127.0.0.1:2375").empty());
  CHECK(extra("-H unix:///a.sock --host unix:///b.sock -H=unix:///c.sock --host=unix:///d.sock -Hunix:///e.sock "
              "--config /etc/docker -H tcp://h:1",
              "") == Paths{"/a.sock", "/b.sock", "/c.sock", "/d.sock", "/e.sock"});
}

TEST_CASE("docker options that reach beyond the container need the setting that opens that door") {
  dc::Settings settings;
  settings.allow_docker_parameters = true;
  settings.host_volumes = "/srv";
  auto parameter = [](const std::string& key, const std::string& value) {
    google::protobuf::RepeatedPtrField<mesos::Parameter> parameters;
    auto* p = parameters.Add();
    p->set_key(key);
    p->set_value(value);
    return parameters;
  };
  const auto allowed = policy::from(settings);
  for (const std::string key : {"volume", "v", "mount", "volumes-from", "env-file", "label-file", "cidfile"}) {
    CAPTURE(key);
    CHECK_THAT(refusal_of([&] { policy::parameter_options(allowed, parameter(key, "/:/host")); }),
               Contains("docker option '" + key + "=/:/host' reaches host paths (CONTAINERIZER_HOST_VOLUMES=any allows it)"));
  }
  for (const std::string key : {"privileged", "pid", "ipc", "uts", "userns", "cgroupns", "cgroup-parent", "network",
                                "net", "device", "device-cgroup-rule", "gpus", "cap-add", "security-opt", "PID",
                                "cap_add", "pid=host"}) {
    CAPTURE(key);
    CHECK_THAT(refusal_of([&] { policy::parameter_options(allowed, parameter(key, "host")); }),
               Contains("reaches beyond the container as privileged does (CONTAINERIZER_ALLOW_PRIVILEGED=true allows it)"));
  }
  CHECK(policy::parameter_options(allowed, parameter("shm-size", "64m")) == std::vector<std::string>{"--shm-size=64m"});
  settings.host_volumes = "any";
  CHECK(policy::parameter_options(policy::from(settings), parameter("volume", "/:/host")) ==
        std::vector<std::string>{"--volume=/:/host"});
  settings.allow_privileged = true;
  CHECK(policy::parameter_options(policy::from(settings), parameter("pid", "host")) ==
        std::vector<std::string>{"--pid=host"});
  // A key's '=' does not hide the option it names.
  CHECK_THAT(refusal_of([&] { policy::parameter_options(allowed, parameter("name=x", "")); }),
             Contains("docker parameter 'name=x' is not allowed"));
}

TEST_CASE("legacy options: every spelling of an option that reaches beyond the container") {
  dc::Settings settings;
  settings.allow_docker_parameters = true;
  settings.host_volumes = "/srv";
  const auto allowed = policy::from(settings);
  auto legacy = [](const std::vector<std::string>& words) {
    google::protobuf::RepeatedPtrField<std::string> options;
    for (const auto& word : words) *options.Add() = word;
    return options;
  };
  for (const auto& words : std::vector<std::vector<std::string>>{
           {"--pid=host"}, {"--pid", "host"}, {"--ipc=host"}, {"--uts", "host"}, {"--userns=host"},
           {"--cgroup-parent", "/"}, {"--cap-add=ALL"}, {"--device", "/dev/sda"}, {"--network=container:x"},
           {"--security-opt", "seccomp=unconfined"}, {"--privileged"}}) {
    CAPTURE(words);
    CHECK_THAT(refusal_of([&] { policy::legacy_options(allowed, legacy(words)); }),
               Contains("CONTAINERIZER_ALLOW_PRIVILEGED=true allows it"));
  }
  for (const auto& words : std::vector<std::vector<std::string>>{
           {"-v", "/:/host"}, {"-v=/:/host"}, {"-v/:/host"}, {"-Pv", "/:/host"}, {"--volume=/:/host"},
           {"--mount", "type=bind,src=/,dst=/host"}, {"--volumes-from", "other"}, {"--env-file=/etc/shadow"}}) {
    CAPTURE(words);
    CHECK_THAT(refusal_of([&] { policy::legacy_options(allowed, legacy(words)); }),
               Contains("CONTAINERIZER_HOST_VOLUMES=any allows it"));
  }
  // In -ev=1 the e takes the rest as its value: no volume there.
  CHECK(policy::legacy_options(allowed, legacy({"-ev=1", "--add-host", "a:127.0.0.2"})).size() == 3);
}

TEST_CASE("resolve: symlinks and .. of what exists, the rest lexically") {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("dc-policy-test." + std::to_string(::getpid()));
  fs::create_directories(root / "allowed");
  fs::create_directories(root / "other");
  fs::create_symlink(root / "other", root / "allowed" / "link");
  const std::string base = fs::canonical(root).string();
  CHECK(policy::resolve((root / "allowed" / "link" / "x").string()) == base + "/other/x");
  CHECK(policy::resolve((root / "allowed" / ".." / "other").string()) == base + "/other");
  CHECK(policy::resolve((root / "missing" / ".." / "allowed/").string()) == base + "/allowed");
  fs::remove_all(root);
}
