#include "container_tty.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

#include "container_files.h"

namespace racker::runtime {

Result<PtyPair> open_pty() {
  PtyPair p;
  p.master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (p.master < 0) return cfiles::errno_error("open /dev/ptmx", errno);
  char name[128];
  if (::grantpt(p.master) != 0 || ::unlockpt(p.master) != 0 || ::ptsname_r(p.master, name, sizeof name) != 0) {
    int err = errno;
    ::close(p.master);
    return cfiles::errno_error("set up pty", err);
  }
  p.slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (p.slave < 0) {
    int err = errno;
    ::close(p.master);
    return cfiles::errno_error(std::string("open ") + name, err);
  }
  return p;
}

void copy_window_size(int from, int to) {
  winsize ws{};
  if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (fd < 0 || !::isatty(fd) || ::tcgetattr(fd, &saved_) != 0) return;
  termios raw = saved_;
  ::cfmakeraw(&raw);
  active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
}

RawTerminal::~RawTerminal() {
  if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
}

}  // namespace racker::runtime

#include <sys/socket.h>

#include <cstring>
#include <string>

namespace racker::runtime {

int make_container_console(int socket_fd) {
  int master = ::open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return -errno;
  int unlock = 0, number = 0;
  if (::ioctl(master, TIOCSPTLCK, &unlock) != 0 || ::ioctl(master, TIOCGPTN, &number) != 0) {
    int err = errno;
    ::close(master);
    return -err;
  }
  std::string slave_path = "/dev/pts/" + std::to_string(number);
  int slave = ::open(slave_path.c_str(), O_RDWR | O_NOCTTY);
  if (slave < 0) {
    int err = errno;
    ::close(master);
    return -err;
  }
  int result = send_fd(socket_fd, master);
  ::close(master);
  for (int fd = 0; fd < 3; ++fd) ::dup2(slave, fd);
  if (slave > 2) ::close(slave);
  return result;
}

int send_fd(int socket_fd, int fd) {
  char byte = 'm';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  return ::sendmsg(socket_fd, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int receive_console(int socket_fd) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC) <= 0) return -1;
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS) return -1;
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
  return fd;
}

}  // namespace racker::runtime
