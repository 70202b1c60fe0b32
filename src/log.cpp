#include "log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include "error.hpp"

namespace dc::log {

void init(const std::string& command, const std::string& level, bool threads) {
  // No colour codes in a sandbox file; a lock only where threads log.
  spdlog::sink_ptr sink = threads ? spdlog::sink_ptr(std::make_shared<spdlog::sinks::stderr_sink_mt>())
                                  : std::make_shared<spdlog::sinks::stderr_sink_st>();
  auto logger = std::make_shared<spdlog::logger>("docker-containerizer", sink);
  logger->set_pattern("docker-containerizer " + command + ": %l: %v");
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    throw Error("unknown log level '" + level + "' (CONTAINERIZER_LOG_LEVEL)");
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace dc::log
