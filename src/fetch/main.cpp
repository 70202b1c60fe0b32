// docker-containerizer-fetch: fetches a Launch's URIs into its sandbox. A
// program of its own because libcurl and libarchive are linked dynamically
// (CMakeLists.txt): docker-containerizer, which the agent runs for every
// call, never loads them. `launch` runs it with a framed CommandInfo holding
// the URIs on stdin; progress goes to stderr (the sandbox's stderr), and a
// failure's one line to stdout, for launch to report as its own.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

#include "base/error.hpp"
#include "base/log.hpp"
#include "fetch/fetcher.hpp"
#include "protocol/framing.hpp"

namespace {

std::vector<std::string> items(const std::string& list) {
  std::vector<std::string> result;
  std::istringstream stream(list);
  for (std::string item; std::getline(stream, item, ',');)
    if (!item.empty()) result.push_back(item);
  return result;
}

std::vector<uint32_t> numbers(const std::string& list) {
  std::vector<uint32_t> result;
  for (const auto& item : items(list)) result.push_back(static_cast<uint32_t>(std::stoul(item)));
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"docker-containerizer-fetch: fetches URIs (a framed CommandInfo on stdin) into a sandbox"};
  std::string sandbox, log_level = "info", groups, host_paths = "none", schemes;
  int64_t uid = -1, gid = -1;
  uint64_t frame_limit = 64ull << 20;
  dc::fetch::Options options;
  app.add_option("--sandbox", sandbox, "the sandbox directory")->required();
  app.add_option("--cache-dir", options.cache_dir, "the shared download cache")->required();
  app.add_option("--cache-size", options.cache_size, "the cache's size limit in bytes")->required();
  app.add_option("--timeout", options.timeout_seconds, "seconds per URI")->required();
  app.add_option("--max-size", options.max_size, "bytes one URI may download")->required();
  app.add_option("--extract-max-size", options.extract_max_size, "bytes one archive may write")->required();
  app.add_option("--extract-max-entries", options.extract_max_entries, "entries one archive may hold")->required();
  app.add_flag("--deny-local-addresses", options.deny_local_addresses, "refuse loopback and link-local peers");
  app.add_option("--mesos-fetcher", options.mesos_fetcher, "the agent's fetcher, for other schemes");
  app.add_option("--mesos-fetcher-schemes", schemes, "the schemes it may be handed, comma-separated");
  app.add_option("--uid", uid, "the Launch's user");
  app.add_option("--gid", gid, "its group");
  app.add_option("--groups", groups, "its supplementary groups, comma-separated");
  app.add_option("--host-paths", host_paths, "host paths local URIs are read as root under: any, none or prefixes");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  app.add_option("--frame-limit", frame_limit, "largest input frame in bytes");
  CLI11_PARSE(app, argc, argv);
  try {
    dc::log::init("fetch", log_level);
    dc::Settings settings;
    settings.host_volumes = host_paths;
    options.host_paths = dc::policy::from(settings);
    options.mesos_fetcher_schemes = items(schemes);
    // curl's CA variables, as its command line reads them.
    for (const char* name : {"SSL_CERT_FILE", "CURL_CA_BUNDLE"})
      if (const char* file = std::getenv(name); file && *file) options.ca_file = file;
    if (uid >= 0) options.user = dc::UserIds{static_cast<uint32_t>(uid), static_cast<uint32_t>(gid), numbers(groups)};
    mesos::CommandInfo command;
    if (!command.ParseFromString(dc::framing::read_frame(STDIN_FILENO, frame_limit)))
      throw dc::Error("the URIs on stdin do not parse as a CommandInfo");
    // Every path from here on is relative to the sandbox.
    if (::chdir(sandbox.c_str()) != 0) throw dc::Error("cannot enter the sandbox " + sandbox + ": " + strerror(errno));
    dc::fetch::fetch_all({command.uris().begin(), command.uris().end()}, options);
    return 0;
  } catch (const std::exception& e) {
    std::cout << e.what() << std::endl;
    return 1;
  }
}
