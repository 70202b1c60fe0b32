#pragma once
// `launch-container --master`: runs the task to its end and returns the
// program's exit code. Prints the scheduler's lines and the task's stderr
// on stderr, the task's stdout on stdout.
#include "options.hpp"

namespace dc::framework {

int run(const Options& options);

}  // namespace dc::framework
