#include "docker/registry.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "base/log.hpp"
#include "host/files.hpp"

namespace dc::registry {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// What a registry entry of config.json may carry: credentials, nothing that
// makes the docker CLI run a program or talk elsewhere.
const char* const kCredentialFields[] = {"auth", "username", "password", "identitytoken", "registrytoken"};

json parse_object(const std::string& text, const std::string& source) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) throw Error(source + " is not a JSON object");
  return parsed;
}

// The sandbox's own file (fetched there with the task's URIs), as Mesos
// uses it: .docker/config.json, else the older .dockercfg. The framework's:
// never through a link (to the host's own credentials), a FIFO or a device.
std::string pull_config(const Settings& settings, const std::string& sandbox) {
  for (const char* name : {".docker/config.json", ".dockercfg"})
    if (auto text = files::read_beneath(sandbox, name, 1 << 20))
      return credentials_only(*text, "the sandbox's " + std::string(name));
  return settings.docker_config.empty() ? "" : operator_config(settings.docker_config);
}

// A private directory holding config.json for one docker pull; gone with
// this object, credentials and all.
class ConfigDir {
 public:
  ConfigDir(const std::string& path, const std::string& config) : path_(path) {
    if (config.empty()) return;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
    if (::mkdir(path_.c_str(), 0700) != 0) throw Error("cannot create " + path_ + ": " + strerror(errno));
    const std::string file = path_ + "/config.json";
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && ::write(fd, config.data(), config.size()) == static_cast<ssize_t>(config.size());
    if (fd >= 0) ok = ::close(fd) == 0 && ok;
    if (!ok) {
      fs::remove_all(path_, ignored);
      throw Error("cannot write " + file + ": " + strerror(errno));
    }
    used_ = true;
  }
  ~ConfigDir() {
    std::error_code ignored;
    if (used_) fs::remove_all(path_, ignored);
  }
  ConfigDir(const ConfigDir&) = delete;
  ConfigDir& operator=(const ConfigDir&) = delete;
  // Empty when docker's own configuration applies.
  std::string path() const { return used_ ? path_ : ""; }

 private:
  std::string path_;
  bool used_ = false;
};

bool is_layer(const std::string& text) {
  return text.size() == 12 && std::all_of(text.begin(), text.end(), [](char c) { return isxdigit(c); });
}

void add_once(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

std::string seconds(double value) { return std::to_string(static_cast<long>(value + 0.5)) + " s"; }

}  // namespace

std::string registry_of(const std::string& image) {
  const auto slash = image.find('/');
  if (slash == std::string::npos) return "docker.io";
  const std::string first = image.substr(0, slash);
  return first.find_first_of(".:") != std::string::npos || first == "localhost" ? first : "docker.io";
}

std::string credentials_only(const std::string& text, const std::string& source) {
  const json config = parse_object(text, source);
  // config.json keeps its registries under "auths"; .dockercfg is that map alone.
  const json registries = config.contains("auths") ? config["auths"] : config;
  if (!registries.is_object()) throw Error(source + ": \"auths\" is not a JSON object");
  json auths = json::object();
  for (const auto& [registry, entry] : registries.items()) {
    if (!entry.is_object()) continue;
    json kept = json::object();
    for (const char* field : kCredentialFields)
      if (entry.contains(field) && entry[field].is_string()) kept[field] = entry[field];
    auths[registry] = kept;
  }
  return json{{"auths", auths}}.dump();
}

std::string operator_config(const std::string& setting) {
  const std::string name = "CONTAINERIZER_DOCKER_CONFIG";
  std::string text = setting;
  if (setting.find('{') == std::string::npos) {
    const std::string path = setting.rfind("file://", 0) == 0 ? setting.substr(7) : setting;
    // The operator's own file, which may be a link: trusted, read bounded.
    auto content = files::read_file(path, 1 << 20);
    if (!content) throw Error(name + ": no such file " + path);
    text = *content;
  }
  json config = parse_object(text, name);
  // The operator's own file is trusted whole (credential helpers too).
  return config.contains("auths") ? config.dump() : json{{"auths", config}}.dump();
}

Progress::Progress(std::string image, double now, double interval)
    : image_(std::move(image)), started_(now), interval_(interval), shown_(now) {}

std::vector<std::string> Progress::feed(const std::string* line, double now) {
  std::vector<std::string> shown;
  if (line) {
    const auto colon = line->find(": ");
    const std::string head = colon == std::string::npos ? "" : line->substr(0, colon);
    const std::string status = colon == std::string::npos ? *line : line->substr(colon + 2);
    if (status.rfind("Pulling from ", 0) == 0) {
      shown.push_back("pulling " + image_ + " from " + registry_of(image_));
    } else if (is_layer(head)) {
      add_once(layers_, head);
      if (status == "Pull complete" || status == "Already exists") add_once(done_, head);
    } else if (head == "Digest") {
      shown.push_back("pulled " + image_ + " in " + seconds(now - started_) +
                      ", layers: " + std::to_string(layers_.size()));
      shown.push_back(*line);
    } else if (!line->empty() && line->find(' ') != std::string::npos) {
      // docker's Status line and anything unforeseen; not the bare
      // reference docker pull ends with.
      shown.push_back(*line);
    }
  }
  if (now - shown_ >= interval_ && done_.size() < layers_.size()) {
    shown.push_back("pulling " + image_ + ": " + std::to_string(done_.size()) + " of " +
                    std::to_string(layers_.size()) + " layers done after " + seconds(now - started_));
  }
  if (!shown.empty()) shown_ = now;
  return shown;
}

Image ensure_image(const docker::Client& docker, const Settings& settings, const RunPlan& plan,
                   const std::string& sandbox, const std::string& scratch) {
  if (!plan.force_pull)
    if (auto image = docker.image(plan.image)) return *image;
  const std::string where = plan.image + " from " + registry_of(plan.image);
  ConfigDir config(scratch, pull_config(settings, sandbox));
  Progress progress(plan.image, clock::steady_seconds());
  try {
    docker.pull(plan.image, config.path(), [&](const std::string* line) {
      for (const auto& text : progress.feed(line, clock::steady_seconds())) spdlog::info("{}", text);
      return true;
    });
  } catch (const Error& e) {
    throw Error("docker pull " + where + " failed: " + e.what());
  }
  auto image = docker.image(plan.image);
  if (!image) throw Error("image " + where + " is absent after docker pull");
  return *image;
}

}  // namespace dc::registry
