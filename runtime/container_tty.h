#pragma once
// Terminal helpers for attached containers and exec (internal): a pty pair,
// raw mode on the client's terminal (restored by the destructor), window
// size propagation.

#include <termios.h>

#include "racker/util/error.h"

namespace racker::runtime {

struct PtyPair {
  int master = -1, slave = -1;
};
// A new pty from the host's /dev/ptmx, both ends close-on-exec.
Result<PtyPair> open_pty();

// Copies the window size of terminal `from` to `to`; ignores non-terminals.
void copy_window_size(int from, int to);

// Puts `fd` in raw mode while alive, when it is a terminal.
class RawTerminal {
 public:
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_ = -1;
  bool active_ = false;
  termios saved_{};
};

}  // namespace racker::runtime

namespace racker::runtime {

// docker's (runc's) console socket: the init makes the pty inside the
// container's own devpts, so `tty` names it there, and sends the master
// to the monitor over a unix socket.
// In the container: opens /dev/pts/ptmx, makes fds 0-2 the slave, sends the
// master over `socket_fd`. 0 or -errno.
int make_container_console(int socket_fd);
// In the monitor: receives the master; -1 when none came.
int receive_console(int socket_fd);

// Sends `fd` with a one-byte message over unix socket `socket_fd` (what
// receive_console takes). Async-signal-safe. 0 or -errno.
int send_fd(int socket_fd, int fd);

}  // namespace racker::runtime
