// Bench helper: publishes and unpublishes ports with racker's own
// PortPublisher (the real `inet racker_ports` table), until a racker command
// does it (`racker run -p`). bench/ports/run compiles it against the racker
// build's libraries.
//
//   publish_helper publish ID CONTAINER_IP SPEC...   prints one "host_port" per mapping
//   publish_helper unpublish ID
#include <iostream>
#include <string>
#include <vector>

#include "racker/network/port_publisher.h"

using namespace racker::network;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto publisher = PortPublisher::open();
  if (!publisher) {
    std::cerr << publisher.error().to_string() << "\n";
    return 1;
  }
  if (args.size() >= 4 && args[0] == "publish") {
    std::vector<PortSpec> specs;
    for (size_t i = 3; i < args.size(); ++i) {
      auto parsed = parse_port_spec(args[i]);
      if (!parsed) {
        std::cerr << parsed.error().message << "\n";
        return 1;
      }
      specs.insert(specs.end(), parsed->begin(), parsed->end());
    }
    auto mappings = publisher->resolve(specs, args[2]);
    if (!mappings) {
      std::cerr << mappings.error().to_string() << "\n";
      return 1;
    }
    if (auto st = publisher->publish(args[1], *mappings); !st) {
      std::cerr << st.error().to_string() << "\n";
      return 1;
    }
    for (const PortMapping& m : *mappings) std::cout << m.host_port << "\n";
    return 0;
  }
  if (args.size() == 2 && args[0] == "unpublish") {
    if (auto st = publisher->unpublish(args[1]); !st) {
      std::cerr << st.error().to_string() << "\n";
      return 1;
    }
    return 0;
  }
  std::cerr << "usage: publish_helper publish ID CONTAINER_IP SPEC... | unpublish ID\n";
  return 2;
}
