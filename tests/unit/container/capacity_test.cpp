// When launch warns that the agent runs out of libprocess worker threads.
#include <catch2/catch.hpp>

#include "container/capacity.hpp"

using Catch::Matchers::Contains;

TEST_CASE("the agent's libprocess worker threads, and when launch warns about them") {
  using dc::capacity::warning;
  using dc::capacity::worker_threads;
  dc::Environment agent_1_0 = {{"MESOS_HTTP_COMMAND_EXECUTOR", "0"}};
  CHECK(worker_threads({}, 2) == 8);
  CHECK(worker_threads({}, 32) == 32);
  CHECK(worker_threads(agent_1_0, 2) == 8);
  agent_1_0["LIBPROCESS_NUM_WORKER_THREADS"] = "128";
  CHECK(worker_threads(agent_1_0, 2) == 128);
  // 0.2x agents do not read it.
  CHECK(worker_threads({{"LIBPROCESS_NUM_WORKER_THREADS", "128"}}, 2) == 8);
  for (const char* ignored : {"0", "1025", "12x", ""}) {
    agent_1_0["LIBPROCESS_NUM_WORKER_THREADS"] = ignored;
    CHECK(worker_threads(agent_1_0, 4) == 8);
  }
  // `check` knows the agent's version instead.
  CHECK(worker_threads({{"LIBPROCESS_NUM_WORKER_THREADS", "128"}}, 2, true) == 128);
  CHECK(worker_threads({{"LIBPROCESS_NUM_WORKER_THREADS", "128"}}, 2, false) == 8);
  CHECK_FALSE(warning(6, 8, true));
  CHECK_THAT(*warning(7, 8, true), Contains("LIBPROCESS_NUM_WORKER_THREADS"));
  CHECK_THAT(*warning(8, 8, false), Contains("give the agent fewer containers"));
}
