#include "racker/runtime/removal_hook.h"

#include <utility>

namespace racker::runtime {
namespace {
RemovalHook& hook() {
  static RemovalHook* h = new RemovalHook();  // never freed: usable during exit
  return *h;
}
}  // namespace

void set_removal_hook(RemovalHook h) { hook() = std::move(h); }

void run_removal_hook(const ContainerSpec& spec) {
  if (hook()) hook()(spec);
}

}  // namespace racker::runtime
