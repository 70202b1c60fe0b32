// The fuzz target's code (one_input) linked with plan/, protocol/ and base/
// only, in every build: the libFuzzer target needs clang, this does not. A
// call from plan/ into the file system, the engine or the host layers fails
// to link here. Run, it replays the inputs it is given, as the fuzzer would.
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "one_input.hpp"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      dc::fuzz::one_input(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    } catch (const dc::fuzz::Violation& e) {
      std::cerr << argv[i] << ": " << e.what() << std::endl;
      return 1;
    }
  }
  return 0;
}
