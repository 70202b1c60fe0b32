// launch-container-cluster: `bin/launch-container --master HOST:PORT ...`
// execs this. One task on a Mesos cluster through the v1 scheduler HTTP API.
#include <csignal>
#include <cstdio>
#include <exception>

#include "base/error.hpp"
#include "options.hpp"
#include "run.hpp"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  dc::framework::Options options;
  try {
    bool help = false;
    options = dc::framework::parse(argc, argv, help);
    dc::framework::hide_credentials(argc, argv);
    if (help) {
      std::fputs(dc::framework::usage().c_str(), stdout);
      return 0;
    }
  } catch (const dc::Error& e) {
    std::fprintf(stderr, "launch-container: %s (--help for usage)\n", e.what());
    return 2;
  }
  try {
    return dc::framework::run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "launch-container: %s\n", e.what());
    return 1;
  }
}
