// racker-init: racker's in-container init as a small static executable of
// its own (container_init.h). systemd-nspawn runs it as every container's
// PID 1, and as the group init of a group's machine (group_init.h), from a
// read-only bind mount of the host's file: being static, it needs nothing
// from the image, so images with no libc at all work.
#include "racker/runtime/container_init.h"

int main() { return racker::runtime::run_container_init(); }
