#pragma once
// Shared by the compose stage tests: one node as compact JSON, so a whole
// value is compared in one string.

#include <string>

#include "racker/compose/node.h"
#include "racker/compose/serialize.h"

namespace racker::test {

// `value` as compact JSON ("[1,2]", "{\"a\":\"b\"}", "null").
inline std::string json(const compose::Node& value) {
  compose::Node wrap = compose::Node::map();
  wrap.set("v", value);
  std::string out = compose::to_json(wrap, -1);
  return out.substr(5, out.size() - 6);  // {"v":...}
}

}  // namespace racker::test
