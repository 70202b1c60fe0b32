// dc::policy: the operator's settings parsed, and what each allows or refuses.
#include "plan/policy.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <functional>

#include "base/error.hpp"
#include "host/files.hpp"

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
  // The sandbox a second time: its logs unpinned there.
  for (const char* given : {".", "./", "sub/.."})
    CHECK_THAT(refusal_of([&] { policy::check_host_volume(prefixes, given, sandbox, sandbox); }),
               Contains("is the sandbox itself"));
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
  const auto defaults = policy::engine_sockets({}, "");
  for (const std::string socket : {"/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
                                    "/run/docker/containerd/containerd.sock"})
    CHECK(std::find(defaults.begin(), defaults.end(), socket) != defaults.end());
  auto extra = [&](const std::string& args, const std::string& docker_host) {
    settings.docker_args = args;
    auto sockets = policy::engine_sockets(settings.docker_global_args(), docker_host);
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

namespace {

google::protobuf::RepeatedPtrField<mesos::Parameter> parameter(const std::string& key, const std::string& value) {
  google::protobuf::RepeatedPtrField<mesos::Parameter> parameters;
  auto* p = parameters.Add();
  p->set_key(key);
  p->set_value(value);
  return parameters;
}

// The docker options of one framework parameter.
std::vector<std::string> options_of(const policy::Policy& p, const std::string& key, const std::string& value) {
  return policy::docker_options(p, policy::framework_parameters(p, parameter(key, value))).args;
}

google::protobuf::RepeatedPtrField<std::string> legacy(const std::vector<std::string>& words) {
  google::protobuf::RepeatedPtrField<std::string> options;
  for (const auto& word : words) *options.Add() = word;
  return options;
}

std::vector<std::string> legacy_options_of(const policy::Policy& p, const std::vector<std::string>& words) {
  return policy::docker_options(p, policy::legacy_parameters(p, legacy(words))).args;
}

dc::Settings parameters_allowed() {
  dc::Settings settings;
  settings.allow_docker_parameters = true;
  settings.host_volumes = "/srv";
  return settings;
}

}  // namespace

TEST_CASE("docker options that reach beyond the container need the setting that opens that door") {
  dc::Settings settings = parameters_allowed();
  const auto allowed = policy::from(settings);
  for (const std::string key : {"volume", "mount", "volumes-from", "env-file", "label-file", "cidfile"}) {
    CAPTURE(key);
    CHECK_THAT(refusal_of([&] { options_of(allowed, key, "/:/host"); }),
               Contains("docker option '" + key + "=/:/host' reaches host paths (CONTAINERIZER_HOST_VOLUMES=any allows it)"));
  }
  for (const std::string key : {"privileged", "pid", "ipc", "uts", "userns", "cgroupns", "cgroup-parent", "device",
                                "device-cgroup-rule", "gpus", "cap-add", "security-opt", "PID", "cap_add", "pid=host"}) {
    CAPTURE(key);
    CHECK_THAT(refusal_of([&] { options_of(allowed, key, "host"); }),
               Contains("reaches beyond the container as privileged does (CONTAINERIZER_ALLOW_PRIVILEGED=true allows it)"));
  }
  CHECK(options_of(allowed, "shm-size", "64m") == std::vector<std::string>{"--shm-size=64m"});
  settings.host_volumes = "any";
  CHECK(options_of(policy::from(settings), "volume", "/:/host") == std::vector<std::string>{"--volume=/:/host"});
  settings.allow_privileged = true;
  CHECK(options_of(policy::from(settings), "pid", "host") == std::vector<std::string>{"--pid=host"});
  // A key's '=' does not hide the option it names.
  CHECK_THAT(refusal_of([&] { options_of(allowed, "name=x", ""); }), Contains("docker parameter 'name=x=' is not allowed"));
}

TEST_CASE("framework parameters: only harmless options, never the program's own (issue 30)") {
  const auto allowed = policy::from(parameters_allowed());
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"user", "0"}, {"group-add", "0"}, {"memory", "64g"}, {"cpu-shares", "100000"}, {"pids-limit", "-1"},
           {"oom-kill-disable", "true"}, {"oom-score-adj", "-1000"}, {"volume-driver", "x"}, {"runtime", "runc"},
           {"log-driver", "syslog"}, {"publish", "22:22"}, {"network", "host"}, {"net", "host"}, {"workdir", "/"},
           {"env", "A=1"}, {"hostname", "h"}, {"init", "true"}, {"restart", "always"}, {"User", "0"}, {"user=0", ""}}) {
    CAPTURE(key, value);
    CHECK_THAT(refusal_of([&] { options_of(allowed, key, value); }), Contains("the containerizer sets"));
  }
  for (const std::string value : {"docker-containerizer.sandbox=/etc", "docker-containerizer.label.x=1"})
    CHECK_THAT(refusal_of([&] { options_of(allowed, "label", value); }),
               Contains("labels under docker-containerizer. are the containerizer's own"));
  CHECK_THAT(refusal_of([&] { options_of(allowed, "label=docker-containerizer.container-id", "x"); }),
             Contains("are the containerizer's own"));
  for (const std::string key : {"ulimit", "tmpfs", "sysctl", "device-read-bps", "health-cmd"}) {
    CAPTURE(key);
    CHECK_THAT(refusal_of([&] { options_of(allowed, key, "x"); }),
               Contains("is not among the options a framework may pass (CONTAINERIZER_DOCKER_PARAMETER_KEYS adds it)"));
  }
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"shm-size", "1g"}, {"add-host", "a:127.0.0.2"}, {"dns", "1.1.1.1"}, {"dns-search", "x"},
           {"dns-option", "ndots:2"}, {"label", "team=web"}, {"read-only", "true"}, {"cap-drop", "ALL"},
           {"security-opt", "no-new-privileges"}, {"Shm_Size", "1g"}}) {
    CAPTURE(key, value);
    CHECK(options_of(allowed, key, value).size() == 1);
  }
  CHECK(options_of(allowed, "Shm_Size", "1g") == std::vector<std::string>{"--shm-size=1g"});
  // The operator adds options; never the program's own.
  dc::Settings more = parameters_allowed();
  more.docker_parameter_keys = "ulimit,tmpfs";
  CHECK(options_of(policy::from(more), "ulimit", "nofile=1024") == std::vector<std::string>{"--ulimit=nofile=1024"});
  for (const std::string key : {"user", "pids-limit", "name", "Ulimit"}) {
    CAPTURE(key);
    more.docker_parameter_keys = key;
    CHECK_THAT(refusal_of([&] { policy::from(more); }), Contains("CONTAINERIZER_DOCKER_PARAMETER_KEYS: '" + key + "'"));
  }
}

TEST_CASE("the operator's defaults always apply; the framework's add to them where they do not conflict (issue 37)") {
  dc::Settings settings = parameters_allowed();
  settings.default_docker_parameters = "read-only=true,cap-drop=NET_RAW,pids-limit=100,label=team=ops,security-opt=seccomp=/p.json";
  settings.allow_privileged = true;
  const auto p = policy::from(settings);
  const auto options = policy::docker_options(
      p, {{"shm-size", "64m"}, {"read-only", "false"}, {"cap-drop", "MKNOD"}, {"label", "team=web"},
          {"label", "app=x"}, {"cap-add", "net_raw"}, {"cap-add", "SYS_PTRACE"}, {"security-opt", "seccomp=unconfined"},
          {"security-opt", "no-new-privileges"}});
  CHECK(options.args == std::vector<std::string>{"--read-only=true", "--cap-drop=NET_RAW", "--pids-limit=100",
                                                  "--label=team=ops", "--security-opt=seccomp=/p.json",
                                                  "--shm-size=64m", "--cap-drop=MKNOD", "--label=app=x",
                                                  "--cap-add=SYS_PTRACE", "--security-opt=no-new-privileges"});
  REQUIRE(options.warnings.size() == 4);
  CHECK_THAT(options.warnings[0], Contains("docker parameter 'read-only=false' dropped: the operator's read-only=true "
                                           "(CONTAINERIZER_DEFAULT_DOCKER_PARAMETERS) stands"));
  CHECK_THAT(options.warnings[2], Contains("'cap-add=net_raw' dropped: the operator's cap-drop=NET_RAW"));
  settings.default_docker_parameters = "cap-drop=all";
  CHECK(policy::docker_options(policy::from(settings), {{"cap-add", "CAP_CHOWN"}}).warnings.size() == 1);
  CHECK(policy::defaults_set(p, "pids-limit"));
  CHECK_FALSE(policy::defaults_set(p, "shm-size"));
}

TEST_CASE("legacy options: every spelling, each checked as a parameter") {
  const auto allowed = policy::from(parameters_allowed());
  for (const auto& words : std::vector<std::vector<std::string>>{
           {"--pid=host"}, {"--pid", "host"}, {"--ipc=host"}, {"--uts", "host"}, {"--userns=host"},
           {"--cgroup-parent", "/"}, {"--cap-add=ALL"}, {"--device", "/dev/sda"},
           {"--security-opt", "seccomp=unconfined"}, {"--privileged"}}) {
    CAPTURE(words);
    CHECK_THAT(refusal_of([&] { legacy_options_of(allowed, words); }), Contains("CONTAINERIZER_ALLOW_PRIVILEGED=true allows it"));
  }
  for (const auto& words : std::vector<std::vector<std::string>>{
           {"-v", "/:/host"}, {"-v=/:/host"}, {"-v/:/host"}, {"--volume=/:/host"},
           {"--mount", "type=bind,src=/,dst=/host"}, {"--volumes-from", "other"}, {"--env-file=/etc/shadow"}}) {
    CAPTURE(words);
    CHECK_THAT(refusal_of([&] { legacy_options_of(allowed, words); }), Contains("CONTAINERIZER_HOST_VOLUMES=any allows it"));
  }
  for (const auto& words : std::vector<std::vector<std::string>>{
           {"-u", "0"}, {"-u0"}, {"--user=0"}, {"-Pv", "/:/host"}, {"-it"}, {"-ev=1"}, {"--network=container:x"},
           {"--label", "docker-containerizer.sandbox=/"}, {"-l", "docker-containerizer.sandbox=/"}}) {
    CAPTURE(words);
    CHECK_THAT(refusal_of([&] { legacy_options_of(allowed, words); }), Contains("is not allowed"));
  }
  // A word docker would take as the image, an option without its value.
  CHECK_THAT(refusal_of([&] { legacy_options_of(allowed, {"--read-only", "evil"}); }),
             Contains("legacy option word 'evil' is neither an option nor an option's value"));
  CHECK_THAT(refusal_of([&] { legacy_options_of(allowed, {"--add-host"}); }), Contains("'--add-host' has no value"));
  CHECK(legacy_options_of(allowed, {"--read-only", "--add-host", "a:127.0.0.2", "-l", "x=1", "--shm-size=1g"}) ==
        std::vector<std::string>{"--read-only=true", "--add-host=a:127.0.0.2", "--label=x=1", "--shm-size=1g"});
}

TEST_CASE("local named volumes: no options, tmpfs, or a bind of an absolute device (issue 30)") {
  const auto p = policy::from(dc::Settings{});
  auto check = [&](const policy::Parameters& options) { policy::check_local_volume(p, "docker volume 'v'", options); };
  check({});
  check({{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=8m,mode=1777,uid=1000,nosuid,nodev,noexec"}});
  check({{"type", "tmpfs"}});
  check({{"type", "none"}, {"o", "bind"}, {"device", "/srv/data"}});
  check({{"o", "bind,ro"}, {"device", "/srv/data"}});
  for (const auto& [options, shown] : std::vector<std::pair<policy::Parameters, std::string>>{
           {{{"type", "proc"}, {"device", "proc"}}, "'type=proc'"},
           {{{"type", "none"}, {"o", "rbind"}, {"device", "../../etc"}}, "'device=../../etc'"},
           {{{"type", "none"}, {"o", "rbind"}, {"device", "/etc"}}, "(rbind)"},
           {{{"type", "none"}, {"device", "/etc"}}, "'device=/etc' without o=bind"},
           {{{"type", "ext4"}, {"device", "/dev/sda1"}}, "'type=ext4'"},
           {{{"type", "nfs"}, {"o", "addr=10.0.0.1"}, {"device", ":/export"}}, "'type=nfs'"},
           {{{"type", "cifs"}, {"device", "//h/s"}}, "'type=cifs'"},
           {{{"type", "tmpfs"}, {"o", "bind"}, {"device", "/etc"}}, "'device=/etc'"},
           {{{"type", "tmpfs"}, {"o", "size=1m,bind"}}, "(bind)"},
           {{{"type", "tmpfs"}, {"o", "huge=always"}}, "(huge=always)"},
           {{{"type", "tmpfs"}, {"size", "1m"}}, "'size=1m'"},
           {{{"type", "tmpfs"}, {"type", "proc"}}, "given twice"}}) {
    CAPTURE(shown);
    CHECK_THAT(refusal_of([&] { check(options); }), Contains("docker volume 'v': ") && Contains(shown));
  }
  CHECK_THAT(refusal_of([&] { check({{"type", "proc"}}); }), Contains("CONTAINERIZER_HOST_VOLUMES=any allows any"));
  policy::check_local_volume(host_volumes("any"), "v", {{"type", "proc"}, {"device", "proc"}});
}

TEST_CASE("named volumes belong to the role they were made for (issue 30)") {
  dc::Settings settings;
  auto owner = [&](const std::string& foreign, const std::string& made_for, const std::string& role) {
    settings.foreign_volumes = foreign;
    policy::check_volume_owner(policy::from(settings), "docker volume 'v'", made_for, role);
  };
  owner("none", "web", "web");
  owner("none", "*", "*");
  CHECK_THAT(refusal_of([&] { owner("none", "db", "web"); }),
             Contains("docker volume 'v' belongs to role 'db', not to this task's role 'web' "
                      "(CONTAINERIZER_FOREIGN_VOLUMES=any allows it)"));
  CHECK_THAT(refusal_of([&] { owner("none", "", "web"); }),
             Contains("docker volume 'v' was made outside the containerizer, so no role owns it; this task's role is "
                      "'web' (CONTAINERIZER_FOREIGN_VOLUMES=outside allows it)"));
  owner("outside", "", "web");
  CHECK_THAT(refusal_of([&] { owner("outside", "db", "web"); }), Contains("belongs to role 'db'"));
  owner("any", "db", "web");
  CHECK_THAT(refusal_of([&] { owner("some", "", "web"); }),
             Contains("CONTAINERIZER_FOREIGN_VOLUMES must be none, outside or any, not 'some'"));
}

TEST_CASE("files::real_path, normalised: symlinks and .. of what exists, the rest lexically") {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("dc-policy-test." + std::to_string(::getpid()));
  fs::create_directories(root / "allowed");
  fs::create_directories(root / "other");
  fs::create_symlink(root / "other", root / "allowed" / "link");
  const std::string base = fs::canonical(root).string();
  CHECK(policy::normalize(dc::files::real_path((root / "allowed" / "link" / "x").string())) == base + "/other/x");
  CHECK(policy::normalize(dc::files::real_path((root / "allowed" / ".." / "other").string())) == base + "/other");
  CHECK(policy::normalize(dc::files::real_path((root / "missing" / ".." / "allowed/").string())) == base + "/allowed");
  fs::remove_all(root);
}
